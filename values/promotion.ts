/**
 * Release-pinned keys: what identifies the tested release of an environment, and what `promote` moves from one
 * environment file to the next (integration → production). `*` stands for any one key (a release name, a daemon).
 *
 * Everything else (replicas, threads, resources, config, hostnames) is the environment's own and never promoted.
 */
import { z } from 'zod';

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

/** A duration as written in environment files: whole days or hours (`7d`, `36h`). */
export const SOAK_PATTERN = /^(\d{1,4})(d|h)$/;

/** `promotion`: what an environment demands of the releases promoted into it. */
export const promotionSchema = z.strictObject({
  /**
   * How long the source environment must have run a tag (counted from the commit on the main branch that last set
   * it there) before `promote` moves it into this environment. `0h` turns the check off.
   */
  soak: z
    .string()
    .regex(SOAK_PATTERN, 'expected a duration in whole days or hours, e.g. 7d or 36h')
    .default('7d')
    .describe(
      'How long the source environment must have run a tag (since the main-branch commit that last set it) before promote moves it here; e.g. 7d, 36h; 0h turns the check off',
    ),
});

/** A soak duration in milliseconds. */
export function soakMillis(text: string): number {
  const m = SOAK_PATTERN.exec(text);
  if (!m) throw new Error(`not a soak duration: ${text}`);
  return Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000);
}
