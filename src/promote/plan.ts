/**
 * The plan of `promote --from integration --to production`: the release-pinned values (`values/promotion.ts`: image
 * tags) that the source environment resolves to, written into the target environment's own file by editing the YAML
 * in place (comments, order and formatting kept: only the edited scalars change); refused when either environment
 * does not validate, before or after the edit. The plan also renders the target before and after, for the review.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { isMap, isScalar, parse, parseDocument, Scalar, type Document } from 'yaml';
import { releasePinned } from '../../values/promotion.js';
import { deepMerge, loadEnvironment, loadEnvironments, type LoadedEnvironment } from '../load/environments.js';
import { Problem, UsageError, UserError } from '../load/problems.js';
import { compareTrees, type Review } from '../review/compare.js';
import { renderEnvironments } from '../synth/render.js';

export interface PromotionRequest {
  readonly environments: string;
  readonly from: string;
  readonly to: string;
}

function rawValues(env: LoadedEnvironment): unknown {
  return env.sources.reduce<unknown>((acc, s) => deepMerge(acc, s.data), {});
}

function getIn(data: unknown, path: readonly string[]): unknown {
  let node = data;
  for (const k of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

/** A scalar as YAML source: plain when it reads back as the same string, else double-quoted. */
function scalarText(value: unknown, style?: Scalar.Type): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (style === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  return /^[A-Za-z0-9_][A-Za-z0-9_.\/+-]*$/.test(value) && parse(value) === value ? value : JSON.stringify(value);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/**
 * Sets `path` to `value` in YAML source text, touching nothing else: an existing scalar is replaced where it
 * stands; a missing key is inserted as the first key of its deepest existing block map (or appended to the file).
 */
export function setInText(text: string, path: readonly string[], value: unknown): string {
  const doc: Document = parseDocument(text);
  const node = doc.getIn(path, true);
  if (isScalar(node) && node.range) {
    const [start, end] = node.range;
    return text.slice(0, start) + scalarText(value, node.type) + text.slice(end);
  }
  let depth = path.length - 1;
  while (depth > 0 && !isMap(doc.getIn(path.slice(0, depth), true))) depth--;
  const rest = path.slice(depth);
  const snippet = (indent: string) =>
    rest
      .map((k, i) => `${indent}${'  '.repeat(i)}${k}:${i === rest.length - 1 ? ` ${scalarText(value)}` : ''}`)
      .join('\n');
  if (depth === 0) {
    if (node !== undefined && !isScalar(node))
      throw new UserError(`cannot set ${path.join('.')}: it is not a single value`);
    return `${text.replace(/\n*$/, '\n')}${snippet('')}\n`;
  }
  const parent = doc.getIn(path.slice(0, depth), true);
  if (
    !isMap(parent) ||
    parent.flow ||
    parent.items.length === 0 ||
    !parent.items[0]!.key ||
    !(parent.items[0]!.key as Scalar).range
  ) {
    // A flow map ({…}): rewrite through the document (this map's formatting may change; comments stay).
    doc.setIn(path, value);
    return doc.toString({ lineWidth: 0 });
  }
  const firstKey = (parent.items[0]!.key as Scalar).range!;
  const at = lineStart(text, firstKey[0]);
  const indent = text.slice(at, firstKey[0]);
  return `${text.slice(0, at)}${snippet(indent)}\n${text.slice(at)}`;
}

/** What a promotion changes, computed without writing. */
export interface Promotion {
  readonly file: string;
  readonly before: string;
  readonly after: string;
  readonly changed: ReadonlyArray<{ path: string; keyPath: readonly string[]; from: unknown; to: unknown }>;
  readonly notes: readonly string[];
  /** The target's `promotion.soak` (default 7d). */
  readonly soak: string;
  /** What the promotion changes in the target's objects (empty when nothing changes). */
  readonly review: Review;
}

/** Works out the promotion and checks that the target still validates with it. */
export function planPromotion(options: PromotionRequest): Promotion {
  if (options.from === options.to) throw new UsageError('--from and --to name the same environment');
  let envs: LoadedEnvironment[];
  try {
    envs = loadEnvironments(options.environments, [options.from, options.to]);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`refusing to promote: ${e.heading}`, e.problems);
    throw e;
  }
  const from = envs.find((e) => e.name === options.from)!;
  const to = envs.find((e) => e.name === options.to)!;
  const source = rawValues(from);
  const target = rawValues(to);
  const before = readFileSync(to.file, 'utf8');
  let after = before;
  const changed: Array<{ path: string; keyPath: readonly string[]; from: unknown; to: unknown }> = [];
  const notes: string[] = [];
  const promoted = new Set<string>();
  for (const { path, value } of releasePinned(source)) {
    promoted.add(path.join('.'));
    if (
      (path[0] === 'servers' || path[0] === 'daemons' || path[0] === 'webui') &&
      getIn(target, path.slice(0, 2)) === undefined
    ) {
      const kind = path[0] === 'servers' ? 'server' : path[0] === 'daemons' ? 'daemons' : 'WebUI';
      notes.push(`${path.join('.')}: ${options.to} has no ${kind} release '${path[1]}', not promoted`);
      continue;
    }
    const current = getIn(target, path);
    if (current === value) continue;
    after = setInText(after, path, value);
    changed.push({ path: path.join('.'), keyPath: path, from: current, to: value });
  }
  for (const { path, value } of releasePinned(target)) {
    if (!promoted.has(path.join('.')) && path[0] !== 'common') {
      notes.push(
        `${path.join('.')}: ${options.to} pins ${JSON.stringify(value)} for this release itself; ${options.from} has no such key, so it stays`,
      );
    }
  }
  let review: Review = { base: `${options.to} before the promotion`, environments: [], files: [], capacity: [] };
  if (after !== before) {
    // The promoted file must validate too: load it from a copy of the environments.
    const tmp = mkdtempSync(join(tmpdir(), 'rucio-gitops-promote-'));
    try {
      cpSync(options.environments, tmp, { recursive: true });
      writeFileSync(join(tmp, basename(to.file)), after);
      const { env: promotedEnv, problems } = loadEnvironment(tmp, options.to);
      if (problems.length > 0 || promotedEnv === undefined) {
        throw new UserError(
          `refusing to promote: ${options.to} would not validate with the promoted values:`,
          problems.map(
            (p) =>
              new Problem(
                p.file.startsWith(tmp) ? join(options.environments, relative(tmp, p.file)) : p.file,
                p.line,
                p.path,
                p.message,
              ),
          ),
        );
      }
      // The objects the promotion changes in the target, as `diff` shows them.
      const tree = (files: ReturnType<typeof renderEnvironments>) => new Map(files.map((f) => [f.path, f.text]));
      review = compareTrees(review.base, tree(renderEnvironments([to])), tree(renderEnvironments([promotedEnv])));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { file: to.file, before, after, changed, notes, soak: to.values.promotion?.soak ?? '7d', review };
}
