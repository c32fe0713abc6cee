/**
 * Release-pinned keys: what identifies the tested release of an environment, and what `promote` moves from one
 * environment file to the next (integration → production). `*` stands for any one key (a release name, a daemon).
 *
 * Everything else (replicas, threads, resources, config, hostnames) is the environment's own and never promoted.
 */
export const RELEASE_PINNED: readonly (readonly string[])[] = [
  /** The image tag of every Rucio release of the environment. */
  ['common', 'image', 'tag'],
  /** A server release's own image tag (over `common.image.tag`). */
  ['servers', '*', 'image', 'tag'],
  /** A daemons release's own image tag. */
  ['daemons', '*', 'image', 'tag'],
  /** One daemon's image tag within a daemons release. */
  ['daemons', '*', '*', 'image', 'tag'],
  /** A WebUI release's image tag (the WebUI has its own releases: `common.image.tag` does not apply to it). */
  ['webui', '*', 'image', 'tag'],
];

/** The concrete release-pinned key paths present in `data` (raw environment values, layers merged), with their values. */
export function releasePinned(data: unknown): Array<{ path: string[]; value: unknown }> {
  const out: Array<{ path: string[]; value: unknown }> = [];
  const walk = (node: unknown, pattern: readonly string[], path: string[]) => {
    if (pattern.length === 0) {
      if (node !== undefined && (typeof node !== 'object' || node === null)) out.push({ path, value: node });
      return;
    }
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const [head, ...rest] = pattern;
    const keys =
      head === '*' ? Object.keys(node).sort() : Object.prototype.hasOwnProperty.call(node, head!) ? [head!] : [];
    for (const k of keys) walk((node as Record<string, unknown>)[k], rest, [...path, k]);
  };
  for (const pattern of RELEASE_PINNED) walk(data, pattern, []);
  return out;
}
