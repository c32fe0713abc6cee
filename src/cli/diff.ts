/**
 * `diff`: what synth produces now, compared object by object with `dist/` as committed at a git ref (by default the
 * merge base with the main branch), for merge-request review.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../load/problems.js';
import { compareTrees, hasChanges } from '../review/compare.js';
import { formatReview, type ReviewFormat } from '../review/format.js';
import { capacitySvg, formatHtml } from '../review/html.js';
import { writeReportFile } from '../review/report-file.js';
import { defaultBase, existingDir, gitTopLevel, treeAtRef } from '../review/git-tree.js';
import { synthesize, type EnvOptions } from '../pipeline.js';
import type { Output } from './context.js';

export interface DiffOptions extends EnvOptions {
  /** The output folder compared (`--dist`, default `dist`). */
  readonly out: string;
  /** `--out FILE`: the review goes to this file instead of stdout. */
  readonly file?: string;
  /** `--svg FILE`: the capacity chart alone. */
  readonly svg?: string;
  /** `--html FILE`: the review also as one self-contained HTML page (CI posts markdown and keeps the page). */
  readonly html?: string;
  readonly base?: string;
  readonly format: string;
  readonly exitCode: boolean;
}

const FORMATS: readonly ReviewFormat[] = ['text', 'markdown', 'json', 'html'];

export async function diff(options: DiffOptions, ctx: Output): Promise<number> {
  if (!FORMATS.includes(options.format as ReviewFormat))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, received '${options.format}'`);
  for (const [flag, file] of [
    ['--out', options.file],
    ['--svg', options.svg],
    ['--html', options.html],
  ] as const)
    if (file !== undefined && (file === '' || (existsSync(file) && statSync(file).isDirectory())))
      throw new UsageError(
        `${flag} FILE names the file the review is written to, received '${file}'${file === '' ? '' : ' (a folder; the output folder compared is --dist DIR)'}`,
      );
  if (options.html !== undefined && options.file !== undefined && resolve(options.html) === resolve(options.file))
    throw new UsageError(
      `--out and --html name the same file '${options.html}': --html writes the HTML page beside the review --out writes`,
    );
  // The checks' report (waivers, declarations) goes to stderr: stdout is the review, posted as it is.
  const { envs, files } = await synthesize(options, { stdout: ctx.stderr, stderr: ctx.stderr });
  const top = await gitTopLevel(existingDir(options.out));
  const base = options.base ?? (await defaultBase(top));
  let before = await treeAtRef(options.out, base);
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
  const format = options.format as ReviewFormat;
  const text = format === 'html' ? formatHtml(review) : formatReview(review, format);
  if (options.file !== undefined) {
    writeReportFile(options.file, text);
    ctx.stderr(`wrote the ${format} review to ${options.file}\n`);
  } else ctx.stdout(text);
  if (options.html !== undefined) {
    writeReportFile(options.html, format === 'html' ? text : formatHtml(review));
    ctx.stderr(`wrote the html review to ${options.html}\n`);
  }
  if (options.svg !== undefined) {
    writeReportFile(options.svg, capacitySvg(review));
    ctx.stderr(`wrote the capacity chart to ${options.svg}\n`);
  }
  return options.exitCode && hasChanges(review) ? 1 : 0;
}
