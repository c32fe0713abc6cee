/**
 * The soak of a promotion: how long the source environment has run each tag that `promote` moves, read from the git
 * history of the environment files on the main branch. A tag soaks from the last main-branch commit that made the
 * environment resolve the key to it (layers merged): a tag set, reverted and set again soaks from the second setting.
 */
import { relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { git, mainBranch, readObjects, workTreeOf } from '../git/git.js';
import { deepMerge } from '../load/environments.js';
import { UserError } from '../load/problems.js';

/** One promoted key and how long the source environment has run its value on the main branch. */
export interface Soak {
  readonly path: string;
  readonly value: unknown;
  /** The main-branch commit that last set the value (undefined when main does not have it). */
  readonly commit?: string;
  readonly date?: Date;
  /** How long it has run, in ms (0 when main does not have it). */
  readonly soaked: number;
  /** Why the soak cannot be measured (not on main, no history); undefined when measured. */
  readonly problem?: string;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The raw values of environment `name` at `commit` (its layers merged), or undefined when absent or unreadable. */
async function rawAt(top: string, commit: string, prefix: string, name: string): Promise<unknown> {
  const layers: unknown[] = [];
  const seen = new Set<string>();
  let current: string | undefined = name;
  while (current !== undefined && !seen.has(current) && /^[-_a-zA-Z0-9]+$/.test(current)) {
    seen.add(current);
    const [blob] = await readObjects(top, [`${commit}:${prefix === '' ? '' : `${prefix}/`}${current}.yaml`]);
    if (blob === undefined) return undefined;
    const text = blob.toString('utf8');
    let data: unknown;
    try {
      data = parse(text, { maxAliasCount: 100 });
    } catch {
      return undefined;
    }
    if (!isMap(data)) return undefined;
    layers.unshift(data);
    current = typeof data.extends === 'string' ? data.extends : undefined;
  }
  return layers.reduce<unknown>((acc, l) => deepMerge(acc, l), {});
}

function getIn(data: unknown, path: readonly string[]): unknown {
  let node = data;
  for (const k of path) {
    if (!isMap(node)) return undefined;
    node = node[k];
  }
  return node;
}

/**
 * How long environment `name` (in `dir`) has run each of `keys` on the main branch, at time `now`. Throws a
 * UserError when `dir` is not in a git work tree with a main branch.
 */
export async function measureSoak(
  dir: string,
  name: string,
  keys: ReadonlyArray<{ path: readonly string[]; value: unknown }>,
  now: number = Date.now(),
): Promise<{ branch: string; soaks: Soak[] }> {
  const top = await workTreeOf(resolve(dir));
  if (top === undefined)
    throw new UserError(
      `cannot measure the soak: ${dir} is not in a git work tree (the soak is read from the history of the environment files on the main branch)`,
    );
  const branch = await mainBranch(top);
  if (branch === undefined)
    throw new UserError(
      `cannot measure the soak: no main branch in ${top} (tried origin/main, main, origin/master, master; a CI clone may need 'git fetch origin main')`,
    );
  const prefix = relative(top, resolve(dir)).split('\\').join('/');
  // The commits of the main branch that changed the environment files, newest first; between two of them every
  // value stays what the newer one left. First parent only: a merged branch counts from its merge into main.
  const log = (await git(top, ['log', '--first-parent', '--format=%H %ct', branch, '--', prefix === '' ? '.' : prefix]))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [commit, seconds] = l.split(' ');
      return { commit: commit!, date: new Date(Number(seconds) * 1000) };
    });
  const values = new Map<string, unknown>();
  const at = async (commit: string): Promise<unknown> => {
    if (!values.has(commit)) values.set(commit, await rawAt(top, commit, prefix, name));
    return values.get(commit);
  };
  const soakOf = async (path: readonly string[], value: unknown): Promise<Soak> => {
    const key = path.join('.');
    let since: { commit: string; date: Date } | undefined;
    for (const entry of log) {
      if (getIn(await at(entry.commit), path) !== value) break;
      since = entry;
    }
    if (since === undefined) {
      const onMain = log.length === 0 ? undefined : getIn(await at(log[0]!.commit), path);
      return {
        path: key,
        value,
        soaked: 0,
        problem:
          log.length === 0
            ? `${name} has no history on ${branch}`
            : `${name} does not run ${JSON.stringify(value)} on ${branch} (${branch} has ${onMain === undefined ? 'no such key' : JSON.stringify(onMain)}): the soak counts from the commit that sets it on the main branch`,
      };
    }
    return {
      path: key,
      value,
      commit: since.commit,
      date: since.date,
      soaked: Math.max(0, now - since.date.getTime()),
    };
  };
  const soaks: Soak[] = [];
  for (const { path, value } of keys) soaks.push(await soakOf(path, value));
  return { branch, soaks };
}

/** `3d 4h 12m`. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.ceil(ms / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : `${m}m`;
}

/** `2026-11-23 10:00 UTC`. */
export function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
