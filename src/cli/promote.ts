/**
 * `promote --from integration --to production`: checks the soak of the tags it moves (`src/promote/gate.ts`), edits
 * the target's file (`src/promote/plan.ts`), prints the file's diff and the objects it changes in the target, and
 * with `--commit` synthesizes and commits the result with the soak (or the override's reason) in the trailers.
 */
import { writeFileSync } from 'node:fs';
import { createTwoFilesPatch } from 'diff';
import { checkSoak, commitMessage, commitPromotion, commitTree } from '../promote/gate.js';
import { planPromotion } from '../promote/plan.js';
import { formatDate, formatDuration } from '../promote/soak.js';
import { formatText } from '../review/format.js';
import { scopeOf, synthesize, writeOutput } from '../pipeline.js';
import type { Output } from './context.js';

export { setInText } from '../promote/plan.js';

export interface PromoteOptions {
  readonly environments: string;
  readonly from: string;
  readonly to: string;
  readonly dryRun: boolean;
  /** `--force --reason TEXT`. */
  readonly forceReason?: string;
  /** `--commit`: synthesize into `out` and commit the file and `out`. */
  readonly commit?: boolean;
  readonly out?: string;
  /** The time the soak is measured at (tests); now by default. */
  readonly now?: number;
}

export async function promote(options: PromoteOptions, ctx: Output): Promise<number> {
  const plan = planPromotion(options);
  for (const n of plan.notes) ctx.stderr(`note: ${n}\n`);
  if (plan.changed.length === 0) {
    ctx.stdout(`nothing to promote: ${options.to} already runs the release of ${options.from}\n`);
    return 0;
  }
  const top = options.commit && !options.dryRun ? await commitTree(options.environments) : undefined;
  const gate = await checkSoak(plan, options);
  for (const s of gate.soaks)
    if (s.commit !== undefined)
      ctx.stderr(
        `soak: ${s.path} ${JSON.stringify(s.value)} in ${options.from} since ${s.commit.slice(0, 12)} (${formatDate(s.date!)}): ${formatDuration(s.soaked)} of ${gate.required}\n`,
      );
  for (const o of gate.overridden) ctx.stderr(`soak overridden (--force): ${o}\n`);
  const patch = createTwoFilesPatch(plan.file, plan.file, plan.before, plan.after, undefined, undefined, {
    context: 3,
  });
  ctx.stdout(
    `${patch
      .split('\n')
      .filter((l) => !l.startsWith('===='))
      .join('\n')
      .trimEnd()}\n`,
  );
  ctx.stdout(`\nwhat this changes in ${options.to}'s objects:\n${formatText(plan.review)}`);
  if (options.dryRun) {
    ctx.stdout(`would promote ${options.from} → ${options.to}: ${changes(plan.changed)}\n`);
    return 0;
  }
  writeFileSync(plan.file, plan.after);
  const message = commitMessage(plan, gate, options);
  if (top !== undefined) {
    const out = options.out ?? 'dist';
    const envOptions = { environments: options.environments };
    const synthesis = await synthesize(envOptions, ctx, out);
    writeOutput(out, synthesis.files, scopeOf(envOptions, synthesis));
    const commit = await commitPromotion(top, [plan.file, out], message);
    ctx.stdout(
      `promoted ${options.from} → ${options.to}: ${changes(plan.changed)}; committed ${commit.slice(0, 12)}\n`,
    );
    return 0;
  }
  ctx.stdout(
    `promoted ${options.from} → ${options.to}: ${changes(plan.changed)}; run 'rucio-gitops synth' and review with 'rucio-gitops diff'\n` +
      `commit message (or pass --commit):\n${message.replace(/^/gm, '  ').trimEnd()}\n`,
  );
  return 0;
}

function changes(list: ReadonlyArray<{ path: string; from: unknown; to: unknown }>): string {
  return list.map((c) => `${c.path} ${JSON.stringify(c.from ?? null)} → ${JSON.stringify(c.to)}`).join(', ');
}
