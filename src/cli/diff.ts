/**
 * `diff`: what synth produces now, compared object by object with `dist/` as committed at a git ref (by default the
 * merge base with the main branch), for merge-request review.
 */
import { UsageError } from '../load/problems.js';
import { compareTrees, hasChanges } from '../review/compare.js';
import { formatReview, type ReviewFormat } from '../review/format.js';
import { defaultBase, existingDir, gitTopLevel, treeAtRef } from '../review/git-tree.js';
import { synthesize, type EnvOptions } from '../pipeline.js';
import type { Output } from './context.js';

export interface DiffOptions extends EnvOptions {
  readonly out: string;
  readonly base?: string;
  readonly format: string;
  readonly exitCode: boolean;
}

const FORMATS: readonly ReviewFormat[] = ['text', 'markdown', 'json'];

export async function diff(options: DiffOptions, ctx: Output): Promise<number> {
  if (!FORMATS.includes(options.format as ReviewFormat))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, received '${options.format}'`);
  // The checks' report (waivers, declarations) goes to stderr: stdout is the review, posted as it is.
  const { envs, files } = await synthesize(options, { stdout: ctx.stderr, stderr: ctx.stderr });
  const top = gitTopLevel(existingDir(options.out));
  const base = options.base ?? defaultBase(top);
  let before = treeAtRef(options.out, base);
  let head = new Map(files.map((f) => [f.path, f.text]));
  if (options.env && options.env.length > 0) {
    // Only the selected environments: their files on both sides.
    const names = new Set(envs.map((e) => e.name));
    const keep = (p: string) => names.has(p.split('/')[1] ?? '');
    before = new Map([...before].filter(([p]) => keep(p)));
    head = new Map([...head].filter(([p]) => keep(p)));
  }
  const label = options.base ?? `merge base ${base.slice(0, 12)}`;
  const review = compareTrees(label, before, head);
  ctx.stdout(formatReview(review, options.format as ReviewFormat));
  return options.exitCode && hasChanges(review) ? 1 : 0;
}
