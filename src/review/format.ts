/**
 * The review as text (terminal), markdown (a merge-request comment: risks first, a summary table per environment,
 * diffs folded) or JSON (for machines).
 */
import { CAPACITY_FIELDS, capacityChanged, FIELD_TITLES, formatChange, type EnvironmentCapacity } from './capacity.js';
import { allRisks, hasChanges, objectLabel, type ObjectChange, type Review } from './compare.js';

export type ReviewFormat = 'text' | 'markdown' | 'json' | 'html';

function counts(changes: readonly ObjectChange[]): string {
  const n = (s: ObjectChange['status']) => changes.filter((c) => c.status === s).length;
  return `${n('added')} added, ${n('changed')} changed, ${n('removed')} removed`;
}

function fieldList(c: ObjectChange, max = 8): string[] {
  const paths = c.fields.map((f) => f.path);
  return paths.length > max ? [...paths.slice(0, max), `… ${paths.length - max} more`] : paths;
}

export function formatText(review: Review): string {
  if (!hasChanges(review)) return `no changes against ${review.base}\n`;
  const out: string[] = [`changes against ${review.base}`];
  const risks = allRisks(review);
  if (risks.length > 0) {
    out.push('', `RISKY (${risks.length}):`);
    for (const { environment, risk } of risks) out.push(`  ! ${environment}: [${risk.kind}] ${risk.message}`);
  }
  for (const env of review.environments) {
    out.push('', `${env.name}: ${counts(env.changes)}`);
    for (const c of env.changes) {
      out.push(`  ${c.status.padEnd(7)} ${objectLabel(c.object)}  (${c.object.file})`);
      for (const f of fieldList(c)) out.push(`            ${f}`);
    }
    const cap = review.capacity.find((x) => x.name === env.name);
    if (cap && capacityChanged(cap.total.before, cap.total.after)) {
      out.push(`  capacity (autoscaled workloads at min–max):`);
      for (const r of cap.rows.filter((r) => capacityChanged(r.before, r.after)))
        out.push(
          `    ${r.release}: ${CAPACITY_FIELDS.map((f) => `${FIELD_TITLES[f]} ${formatChange(f, r.before, r.after)}`).join(', ')}`,
        );
    }
  }
  if (review.files.length > 0) {
    out.push('', 'other files:');
    for (const f of review.files) out.push(`  ${f.status.padEnd(7)} ${f.file}`);
  }
  const diffs = review.environments.flatMap((e) => e.changes.filter((c) => c.diff !== ''));
  if (diffs.length + review.files.length > 0) out.push('');
  for (const c of diffs) out.push(c.diff, '');
  for (const f of review.files) out.push(f.diff, '');
  return `${out.join('\n').trimEnd()}\n`;
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const cell = (s: string) => s.replace(/\|/g, '\\|');

function formatMarkdown(review: Review): string {
  const out: string[] = [`### rucio-gitops diff against ${code(review.base)}`, ''];
  if (!hasChanges(review)) return `${out.join('\n')}No changes to the manifests.\n`;
  const all = review.environments.flatMap((e) => e.changes);
  out.push(
    `**${all.length} object${all.length === 1 ? '' : 's'}** in ${review.environments.length} environment${review.environments.length === 1 ? '' : 's'}: ${counts(all)}.`,
    '',
  );
  const risks = allRisks(review);
  if (risks.length > 0) {
    out.push(`#### :warning: Risky changes (${risks.length})`, '');
    for (const { environment, risk } of risks) out.push(`- **${risk.kind}** (${environment}): ${cell(risk.message)}`);
    out.push('');
  }
  for (const env of review.environments) {
    out.push(`#### ${env.name}: ${counts(env.changes)}`, '', '| change | object | fields |', '| --- | --- | --- |');
    for (const c of env.changes) {
      const fields =
        c.status === 'changed'
          ? fieldList(c)
              .map((f) => (f.startsWith('…') ? f : code(f)))
              .join('<br>')
          : '';
      out.push(`| ${c.status} | ${code(objectLabel(c.object))} | ${cell(fields)} |`);
    }
    out.push('');
    const cap = review.capacity.find((x) => x.name === env.name);
    if (cap) out.push(...capacityMarkdown(cap));
    for (const c of env.changes.filter((c) => c.diff !== '')) {
      out.push(
        `<details><summary>${objectLabel(c.object)}</summary>`,
        '',
        '```diff',
        c.diff,
        '```',
        '',
        '</details>',
        '',
      );
    }
  }
  if (review.files.length > 0) {
    out.push('#### Other files', '');
    for (const f of review.files)
      out.push(`<details><summary>${f.status} ${f.file}</summary>`, '', '```diff', f.diff, '```', '', '</details>', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The capacity table of one environment: every release, before → after, and the total. */
function capacityMarkdown(cap: EnvironmentCapacity): string[] {
  if (cap.rows.length === 0) return [];
  const head = ['release', ...CAPACITY_FIELDS.map((f) => FIELD_TITLES[f])];
  const out = [
    `##### Capacity of ${cell(cap.name)}: ${capacityChanged(cap.total.before, cap.total.after) ? 'before → after' : 'unchanged'}`,
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  ];
  for (const r of cap.rows) {
    const name = capacityChanged(r.before, r.after) ? `**${cell(r.release)}**` : cell(r.release);
    out.push(`| ${name} | ${CAPACITY_FIELDS.map((f) => cell(formatChange(f, r.before, r.after))).join(' | ')} |`);
  }
  out.push(
    `| total | ${CAPACITY_FIELDS.map((f) => cell(formatChange(f, cap.total.before, cap.total.after))).join(' | ')} |`,
    '',
  );
  const notes = [
    'CPU in cores, memory in GiB/MiB, summed over pods.',
    cap.total.after.autoscaled + cap.total.before.autoscaled > 0
      ? 'Autoscaled workloads count at their minimum–maximum replicas.'
      : '',
    cap.total.after.daemonSets + cap.total.before.daemonSets > 0 ? 'A DaemonSet counts one pod (per node).' : '',
    'Jobs and CronJobs are not counted.',
  ].filter((n) => n !== '');
  out.push(`<sub>${notes.join(' ')}</sub>`, '');
  return out;
}

function formatJson(review: Review): string {
  return `${JSON.stringify({ ...review, changed: hasChanges(review), risks: allRisks(review) }, null, 2)}\n`;
}

export function formatReview(review: Review, format: Exclude<ReviewFormat, 'html'>): string {
  return format === 'json' ? formatJson(review) : format === 'markdown' ? formatMarkdown(review) : formatText(review);
}
