/**
 * The soak gate of a promotion and the commit that records it: every tag `promote` moves must have run in the source
 * environment on the main branch for the target's `promotion.soak`, unless the operator forces it with a reason,
 * which the commit message keeps as a `Soak-Override:` trailer.
 */
import { resolve } from 'node:path';
import { soakMillis } from '../../values/promotion.js';
import { git, workTreeOf } from '../git/git.js';
import { UserError } from '../load/problems.js';
import type { Promotion } from './plan.js';
import { formatDate, formatDuration, measureSoak, type Soak } from './soak.js';

export interface GateOptions {
  readonly environments: string;
  readonly from: string;
  readonly to: string;
  /** Set with `--force --reason TEXT`: the soak is not required, the reason is recorded. */
  readonly forceReason?: string;
  /** The time the soak is measured at (ms since the epoch). */
  readonly now?: number;
}

/** The gate's verdict: the measured soak of each moved key, and what was overridden. */
export interface GateResult {
  readonly required: string;
  readonly branch?: string;
  readonly soaks: readonly Soak[];
  /** One line per key that had not soaked (or could not be measured), when forced. */
  readonly overridden: readonly string[];
}

function shortfall(s: Soak, required: number, from: string): string | undefined {
  const tag = JSON.stringify(s.value);
  if (s.problem !== undefined) return `${s.path} ${tag}: ${s.problem}`;
  if (s.soaked >= required) return undefined;
  return (
    `${s.path} ${tag} has run in ${from} for ${formatDuration(s.soaked)} ` +
    `(set by commit ${s.commit!.slice(0, 12)} on ${formatDate(s.date!)}): ${formatDuration(required - s.soaked)} left`
  );
}

/** Measures the soak of every key the promotion moves and refuses (UserError) when one falls short, unless forced. */
export async function checkSoak(plan: Promotion, options: GateOptions): Promise<GateResult> {
  const required = soakMillis(plan.soak);
  if (plan.changed.length === 0 || required === 0) return { required: plan.soak, soaks: [], overridden: [] };
  const keys = plan.changed.map((c) => ({ path: c.keyPath, value: c.to }));
  let measured: Awaited<ReturnType<typeof measureSoak>>;
  try {
    measured = await measureSoak(options.environments, options.from, keys, options.now);
  } catch (e) {
    if (!(e instanceof UserError) || options.forceReason === undefined) {
      if (e instanceof UserError)
        throw new UserError(`refusing to promote: ${e.message}; --force --reason TEXT overrides`);
      throw e;
    }
    return { required: plan.soak, soaks: [], overridden: [e.message] };
  }
  const short = measured.soaks.map((s) => shortfall(s, required, options.from)).filter((s) => s !== undefined);
  if (short.length > 0 && options.forceReason === undefined) {
    throw new UserError(
      `refusing to promote ${options.from} → ${options.to}: ${options.to} requires a soak of ${plan.soak} in ${options.from} (promotion.soak), measured on ${measured.branch}:\n` +
        `${short.map((s) => `  ${s}`).join('\n')}\n` +
        `wait, or override with --force --reason TEXT (the reason is recorded in the commit message)`,
    );
  }
  return { required: plan.soak, branch: measured.branch, soaks: measured.soaks, overridden: short };
}

/** The commit message of a promotion, with its trailers. */
export function commitMessage(plan: Promotion, gate: GateResult, options: GateOptions): string {
  const tags = [...new Set(plan.changed.map((c) => String(c.to)))];
  const lines = [`promote ${options.from} → ${options.to}: ${tags.join(', ')}`, ''];
  for (const c of plan.changed) {
    const soak = gate.soaks.find((s) => s.path === c.path);
    const ran =
      soak?.commit !== undefined
        ? `; in ${options.from} since ${soak.commit.slice(0, 12)} (${formatDate(soak.date!)}, ${formatDuration(soak.soaked)})`
        : '';
    lines.push(`- ${c.path}: ${JSON.stringify(c.from ?? null)} → ${JSON.stringify(c.to)}${ran}`);
  }
  lines.push('', `Promoted-From: ${options.from}`, `Soak-Required: ${gate.required}`);
  if (options.forceReason !== undefined) lines.push(`Soak-Override: ${options.forceReason}`);
  return `${lines.join('\n')}\n`;
}

/** A `--reason`: one line of text, since it becomes a trailer (a newline would forge more trailers). */
export function checkReason(reason: string): string | undefined {
  const text = reason.trim();
  if (text === '') return '--reason must say why the soak is overridden';
  // eslint-disable-next-line no-control-regex -- on purpose: a control character makes the reason more than one line
  if (/[\r\n\u0000-\u001f\u007f\u2028\u2029]/.test(text)) return '--reason must be one line of text';
  if (text.length > 500) return `--reason must be at most 500 characters, received ${text.length}`;
  return undefined;
}

/** The work tree a `--commit` promotion commits in (refused outside git). */
export async function commitTree(environments: string): Promise<string> {
  const top = await workTreeOf(resolve(environments));
  if (top === undefined) throw new UserError(`cannot commit: ${environments} is not in a git work tree`);
  return top;
}

/** Commits exactly `paths` (the promoted file and the output folder) with `message`; returns the commit. */
export async function commitPromotion(top: string, paths: readonly string[], message: string): Promise<string> {
  const abs = paths.map((p) => resolve(p));
  await git(top, ['add', '-A', '--', ...abs]);
  await git(top, ['commit', '-q', '-F', '-', '--', ...abs], message);
  return (await git(top, ['rev-parse', 'HEAD'])).trim();
}
