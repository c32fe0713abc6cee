/**
 * Turns zod issues into problems a person can act on: the key path, what was received, what is allowed, and for an
 * unknown key the nearest valid one or what replaced a retired key.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { retiredKey, type ReleaseKind } from '../../values/retired-keys.js';
import { isSecretName, scanText } from '../secrets/scan.js';
import type { Path } from './yaml-source.js';

/** A problem before it is placed in a file. */
export interface PathProblem {
  readonly path: Path;
  readonly message: string;
}

/** A short, safe description of a received value. */
function describeValue(value: unknown, path: Path): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a map';
  const last = String(path[path.length - 1] ?? '');
  if (typeof value === 'string' && (isSecretName(last) || scanText(value).length > 0)) return 'a string (value hidden)';
  // eslint-disable-next-line no-control-regex
  if (typeof value === 'string' && /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/.test(value))
    return 'a string with a line break or control character (value hidden)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** The parts of a zod schema's definition that the walks over schemas read (here and in the tests). */
export interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

/** A schema's definition (zod 4 keeps it in `_zod.def`). */
export const defOf = (s: z.ZodType): ZodDef => (s as unknown as { _zod: { def: ZodDef } })._zod.def;

/** The object schemas that may sit at `path` below `schema`. */
function objectsAt(schema: z.ZodType, path: Path): Record<string, z.ZodType>[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return objectsAt(def.innerType!, path);
    case 'pipe':
      return objectsAt(def.in!, path);
    case 'union':
      return def.options!.flatMap((o) => objectsAt(o, path));
    case 'intersection':
      return [...objectsAt(def.left!, path), ...objectsAt(def.right!, path)];
  }
  if (path.length === 0) return def.type === 'object' ? [def.shape!] : [];
  const [head, ...rest] = path;
  switch (def.type) {
    case 'object': {
      const child = def.shape![String(head)];
      return child ? objectsAt(child, rest) : [];
    }
    case 'record':
      return objectsAt(def.valueType!, rest);
    case 'array':
      return objectsAt(def.element!, rest);
    default:
      return [];
  }
}

/** The valid keys of the map at `path`. */
function keysAt(schema: z.ZodType, path: Path): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((shape) => Object.keys(shape)))].sort();
}

/** The nearest valid key to a misspelt one, if any is near enough to be a typo. */
export function suggestKey(key: string, valid: readonly string[]): string | undefined {
  if (valid.length === 0) return undefined;
  const lower = valid.find((v) => v.toLowerCase() === key.toLowerCase());
  if (lower) return lower;
  const best = closest(key, valid);
  return distance(key, best) <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function kindOf(path: Path): { kind: ReleaseKind; inner: Path } | undefined {
  if ((path[0] === 'servers' || path[0] === 'daemons' || path[0] === 'webui') && path.length >= 3)
    return { kind: path[0], inner: path.slice(2) };
  if (path[0] === 'common' && path.length >= 2) return { kind: 'common', inner: path.slice(1) };
  return undefined;
}

function unknownKey(schema: z.ZodType, parent: Path, key: string): string {
  const where = kindOf([...parent, key]);
  const retired = where && retiredKey(where.kind, where.inner);
  if (retired) return `unknown key '${key}': ${retired}`;
  const valid = keysAt(schema, parent);
  const suggestion = suggestKey(key, valid);
  if (suggestion) return `unknown key '${key}': did you mean '${suggestion}'?`;
  if (valid.length === 0) return `unknown key '${key}'`;
  const list = valid.length > 12 ? `${valid.slice(0, 12).join(', ')}, … (${valid.length} in all)` : valid.join(', ');
  return `unknown key '${key}': allowed keys are ${list}`;
}

type Issue = z.core.$ZodIssue;

function expectedText(issue: Issue & { code: 'invalid_type' }): string {
  const e = issue.expected;
  if (e === 'object') return 'a map';
  if (e === 'array') return 'a list';
  if (e === 'int') return 'an integer';
  return `a ${e}`;
}

function limitText(issue: Issue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small';
  const bound = small
    ? (issue as { minimum: number | bigint }).minimum
    : (issue as { maximum: number | bigint }).maximum;
  const op = small ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
  switch (issue.origin) {
    case 'string':
      return `expected a string of ${op} ${bound} character${Number(bound) === 1 ? '' : 's'}`;
    case 'array':
      return `expected a list of ${op} ${bound} item${Number(bound) === 1 ? '' : 's'}`;
    default:
      return `expected a number ${op} ${bound}`;
  }
}

/** Converts the issues of one parse into problems with paths. */
export function issuesToProblems(
  schema: z.ZodType,
  input: unknown,
  issues: readonly Issue[],
  prefix: Path = [],
): PathProblem[] {
  const out: PathProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    const received = () => describeValue(valueAt(input, path), path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push({ path: [...path, key], message: unknownKey(schema, path, key) });
        break;
      case 'invalid_type':
        if (issue.input === undefined && valueAt(input, path) === undefined) {
          out.push({ path, message: `required: expected ${expectedText(issue)}, received nothing` });
        } else if (
          path[path.length - 1] === 'useSSL' &&
          valueAt(input, path) !== null &&
          typeof valueAt(input, path) === 'object'
        ) {
          out.push({ path, message: `expected true or false, received a map: per-server-type useSSL was ${SPLIT}` });
        } else {
          out.push({ path, message: `expected ${expectedText(issue)}, received ${received()}` });
        }
        break;
      case 'too_small':
      case 'too_big':
        out.push({ path, message: `${limitText(issue)}, received ${received()}` });
        break;
      case 'invalid_value':
        out.push({
          path,
          message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, received ${received()}`,
        });
        break;
      case 'custom': {
        // A cross-field rule explains itself; the value is worth echoing only when it is a scalar.
        const value = valueAt(input, path);
        out.push({
          path,
          message:
            value !== null && typeof value === 'object' ? issue.message : `${issue.message}, received ${received()}`,
        });
        break;
      }
      case 'invalid_format':
      case 'not_multiple_of':
        out.push({ path, message: `${issue.message}, received ${received()}` });
        break;
      case 'invalid_key':
        out.push({
          path,
          message: `key ${describeValue(path[path.length - 1], [])} is not allowed: ${issue.issues.map((i) => i.message).join('; ')}`,
        });
        break;
      case 'invalid_element':
        out.push(...issuesToProblems(schema, input, issue.issues, path));
        break;
      case 'invalid_union': {
        const branches = issue.errors;
        // The branch that got furthest into the value explains the problem best.
        const depth = (b: readonly Issue[]) =>
          Math.max(...b.map((i) => i.path.length + (i.code === 'unrecognized_keys' ? 1 : 0)));
        const deepest = [...branches].sort((a, b) => depth(b) - depth(a))[0];
        if (deepest && depth(deepest) > 0) {
          out.push(...issuesToProblems(schema, input, deepest, path));
        } else {
          const expected = [
            ...new Set(branches.flat().map((i) => (i.code === 'invalid_type' ? expectedText(i) : i.message))),
          ];
          out.push({
            path,
            message: `expected ${expected.length > 1 ? `${expected.slice(0, -1).join(', ')} or ${expected[expected.length - 1]}` : expected[0]}, received ${received()}`,
          });
        }
        break;
      }
      default:
        out.push({ path, message: `${(issue as { message: string }).message}, received ${received()}` });
    }
  }
  return out;
}

const SPLIT = 'removed in chart 1.31: set useSSL on each server release';
