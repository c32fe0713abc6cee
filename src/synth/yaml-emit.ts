/**
 * A fast path for `toYaml`: writes plain JSON-like data (maps, lists, strings, safe integers, booleans, null) as the
 * text `yaml`'s `stringify` produces with the options dist/ uses (`lineWidth: 0`, `indentSeq: true`, no aliases),
 * without building a YAML document of node objects first. That document is most of synth's cost per object.
 *
 * It covers what manifests hold: single-line strings (plain when the `yaml` library would leave them plain, else
 * quoted the way it quotes them) and multi-line strings as `|` / `|-` literal blocks (ConfigMap files). Anything else
 * (a float, non-ASCII or control characters, a block that starts or ends with whitespace, a document marker,
 * a class instance, …) returns `undefined`, and the caller uses the `yaml` library for the whole object: the output
 * is the same either way. `test/synth/yaml-emit.test.ts` compares both on real and random objects.
 */
import { Document, stringify } from 'yaml';

/** Thrown inside the emitter when a value is outside the fast path. */
const UNSUPPORTED = Symbol('unsupported');

/** The implicit types of the YAML 1.2 core schema: a plain string that looks like one of them must be quoted. */
let implicitTypes: readonly RegExp[] | undefined;
function looksTyped(s: string): boolean {
  implicitTypes ??= new Document(null, { version: '1.2' }).schema.tags
    .filter((t) => t.default === true && t.tag !== 'tag:yaml.org,2002:str' && t.test instanceof RegExp)
    .map((t) => t.test as RegExp);
  for (const re of implicitTypes) if (re.test(s)) return true;
  return false;
}

/** Printable ASCII only (no tab): the characters whose quoting the fast path reproduces exactly. */
const PRINTABLE = /^[\x20-\x7e]*$/;
/** Printable ASCII and line breaks. */
const PRINTABLE_LINES = /^[\x20-\x7e\n]*$/;
/** What a plain scalar must not start, contain or end with (the `yaml` library's rule). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** A line that could read as a document marker or directive. */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

/**
 * The longest key written as an implicit key: the `yaml` library writes longer keys (over 1,024 characters as
 * written) in the explicit `? key` form, which this path does not reproduce. Values have no limit: with
 * `lineWidth: 0` the library writes a value of any length on its line.
 */
const MAX_KEY = 1000;

/** A single-line string as a key or value. */
function scalar(s: string, key = false): string {
  if (!PRINTABLE.test(s) || DOCUMENT_MARKER.test(s) || (key && s.length > MAX_KEY)) throw UNSUPPORTED;
  if (!NOT_PLAIN.test(s) && !looksTyped(s)) return s;
  // Quoted: single quotes when the string holds a double quote and no single one, else JSON's double quotes.
  if (s.includes('"') && !s.includes("'")) return `'${s}'`;
  return JSON.stringify(s);
}

/** A multi-line string value as a literal block whose lines sit at `indent`. */
function block(s: string, indent: string): string {
  if (!PRINTABLE_LINES.test(s) || DOCUMENT_MARKER.test(s) || s.startsWith(' ') || s.startsWith('\n')) throw UNSUPPORTED;
  let header: string;
  let body: string;
  if (s.endsWith('\n')) {
    body = s.slice(0, -1);
    // Keep-chomping (several final line breaks) and trailing blanks are left to the yaml library.
    if (body.endsWith('\n') || body.endsWith(' ')) throw UNSUPPORTED;
    header = '|';
  } else {
    if (s.endsWith(' ')) throw UNSUPPORTED;
    body = s;
    header = '|-';
  }
  const lines = body.split('\n').map((line) => (line === '' ? '' : indent + line));
  return `${header}\n${lines.join('\n')}`;
}

type Line = string;

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The text after `key:` or `- `: a scalar on the same line, or a collection on the following lines. */
function value(v: unknown, indent: string, out: Line[], head: string, depth: number): void {
  if (depth > 100) throw UNSUPPORTED;
  switch (typeof v) {
    case 'string':
      out.push(`${head} ${v.includes('\n') ? block(v, `${indent}  `) : scalar(v)}`);
      return;
    case 'boolean':
      out.push(`${head} ${v}`);
      return;
    case 'number':
      if (!Number.isSafeInteger(v) || Object.is(v, -0)) throw UNSUPPORTED;
      out.push(`${head} ${v}`);
      return;
    case 'object':
      if (v === null) {
        out.push(`${head} null`);
        return;
      }
      if (Array.isArray(v)) {
        if (v.length === 0) out.push(`${head} []`);
        else {
          out.push(head);
          list(v, `${indent}  `, out, depth + 1);
        }
        return;
      }
      if (!isPlainObject(v)) throw UNSUPPORTED;
      if (!hasEntries(v)) out.push(`${head} {}`);
      else {
        out.push(head);
        map(v, `${indent}  `, out, depth + 1);
      }
      return;
    default:
      throw UNSUPPORTED;
  }
}

function hasEntries(o: Record<string, unknown>): boolean {
  for (const k in o) if (Object.hasOwn(o, k) && o[k] !== undefined) return true;
  return false;
}

/** The entries of a non-empty map, each at `indent`. */
function map(o: Record<string, unknown>, indent: string, out: Line[], depth: number): void {
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v === undefined) continue; // the yaml library leaves undefined values out
    if (key.includes('\n')) throw UNSUPPORTED;
    value(v, indent, out, `${indent}${scalar(key, true)}:`, depth);
  }
}

/** The items of a non-empty list, each `- ` at `indent`. */
function list(a: readonly unknown[], indent: string, out: Line[], depth: number): void {
  for (const item of a) {
    if (
      item !== null &&
      typeof item === 'object' &&
      (Array.isArray(item) ? item.length > 0 : isPlainObject(item) && hasEntries(item))
    ) {
      // A collection starts on the item's line: its first line's indent becomes the dash.
      const start = out.length;
      if (Array.isArray(item)) list(item, `${indent}  `, out, depth + 1);
      else map(item as Record<string, unknown>, `${indent}  `, out, depth + 1);
      out[start] = `${indent}- ${out[start]!.slice(indent.length + 2)}`;
    } else {
      if (item === undefined) throw UNSUPPORTED;
      value(item, indent, out, `${indent}-`, depth);
    }
  }
}

/**
 * `value` as `stringify(value, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: true })`
 * writes it, or `undefined` when it is outside the fast path.
 */
export function emitYaml(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || !isPlainObject(v)) return undefined;
  if (!hasEntries(v)) return '{}\n';
  const out: Line[] = [];
  try {
    map(v, '', out, 0);
  } catch (e) {
    if (e === UNSUPPORTED) return undefined;
    throw e;
  }
  return `${out.join('\n')}\n`;
}

/** YAML as written to dist/: stable, no line folding, a trailing newline. The fast path writes the same text. */
export function toYaml(value: unknown): string {
  return (
    emitYaml(value) ??
    stringify(value, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: true })
  );
}
