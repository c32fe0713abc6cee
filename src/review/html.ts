/**
 * The review as one self-contained HTML page (for a CI artifact viewer): the summary, the risks, per environment the
 * capacity table with an inline SVG bar chart of the capacity per release before and after, the changed objects and
 * their diffs. No script, no external resource (a Content-Security-Policy forbids loading any); every value that
 * comes from the environment files or the manifests is escaped.
 */
import {
  CAPACITY_FIELDS,
  capacityChanged,
  FIELD_TITLES,
  formatChange,
  formatRange,
  type Capacity,
  type CapacityField,
  type EnvironmentCapacity,
} from './capacity.js';
import { allRisks, hasChanges, objectLabel, type ObjectChange, type Review } from './compare.js';

/** Escapes text for HTML and XML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1f2328;background:#fff}
h1{font-size:20px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #d0d7de;padding-bottom:4px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0 12px;display:block;overflow-x:auto;max-width:100%}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
td.n{text-align:right;white-space:nowrap}th{background:#f6f8fa}tr.changed td:first-child{font-weight:600}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:1px 4px;border-radius:4px}
pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:8px;overflow:auto}
.add{color:#116329}.del{color:#82071e}.risk{background:#fff8c5;border:1px solid #d4a72c;padding:8px 12px;border-radius:6px}
.note{color:#59636e;font-size:12px}.chart{margin:8px 0 16px}
`.trim();

const COLORS = { before: '#8c959f', after: '#0969da' };
const CHART_FIELDS: readonly CapacityField[] = ['pods', 'cpuRequests', 'memoryRequests'];

/**
 * A horizontal bar chart of one environment's capacity per release: for pods, CPU requests and memory requests, a
 * grey bar before and a blue bar after (at the autoscalers' maximum; a mark shows the minimum when it differs).
 */
function capacityChart(cap: EnvironmentCapacity, standalone = false): string {
  const rows = cap.rows.filter((r) => r.before !== undefined || r.after !== undefined);
  const W = 760;
  const label = 170;
  const barMax = W - label - 130;
  const bar = 11;
  const gap = 3;
  const scale = new Map<CapacityField, number>();
  for (const f of CHART_FIELDS) {
    const top = Math.max(1e-9, ...rows.flatMap((r) => [r.before?.[f].max ?? 0, r.after?.[f].max ?? 0]));
    scale.set(f, barMax / top);
  }
  const parts: string[] = [];
  let y = 34;
  parts.push(
    `<text x="0" y="14" font-size="13" font-weight="600">${e(`Capacity per release: ${cap.name}`)}</text>`,
    `<rect x="${label}" y="20" width="10" height="10" fill="${COLORS.before}"/><text x="${label + 14}" y="29" font-size="11">before</text>`,
    `<rect x="${label + 70}" y="20" width="10" height="10" fill="${COLORS.after}"/><text x="${label + 84}" y="29" font-size="11">after (autoscaled at max; | marks min)</text>`,
  );
  for (const r of rows) {
    y += 10;
    const changed = capacityChanged(r.before, r.after);
    parts.push(
      `<text x="0" y="${y + 10}" font-size="12" font-weight="${changed ? 700 : 400}">${e(r.release)}${changed ? ' *' : ''}</text>`,
    );
    for (const f of CHART_FIELDS) {
      parts.push(`<text x="${label - 6}" y="${y + 10}" font-size="10" text-anchor="end">${e(FIELD_TITLES[f])}</text>`);
      for (const side of ['before', 'after'] as const) {
        const c: Capacity | undefined = r[side];
        const range = c?.[f] ?? { min: 0, max: 0 };
        const w = Math.max(c === undefined ? 0 : 1, range.max * scale.get(f)!);
        const title = `${r.release} ${FIELD_TITLES[f]} ${side}: ${c === undefined ? 'none' : formatRange(f, range)}`;
        parts.push(
          `<rect class="bar ${side}" x="${label}" y="${y}" width="${round(w)}" height="${bar}" fill="${COLORS[side]}"><title>${e(title)}</title></rect>`,
        );
        if (c !== undefined && range.min !== range.max)
          parts.push(
            `<line x1="${round(label + range.min * scale.get(f)!)}" x2="${round(label + range.min * scale.get(f)!)}" y1="${y - 1}" y2="${y + bar + 1}" stroke="#1f2328" stroke-width="2"/>`,
          );
        parts.push(
          `<text x="${round(label + w + 4)}" y="${y + 9}" font-size="10">${e(c === undefined ? '—' : formatRange(f, range))}</text>`,
        );
        y += bar + gap;
      }
      y += 3;
    }
  }
  const H = y + 8;
  const attrs = `width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${e(`capacity per release of ${cap.name}, before and after`)}"`;
  const head = standalone ? `<svg xmlns="http://www.w3.org/2000/svg" ${attrs}` : `<svg class="capacity-chart" ${attrs}`;
  return `${head} font-family="system-ui,sans-serif">${parts.join('')}</svg>`;
}

function round(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** Every environment's chart stacked in one SVG document (for `--svg FILE`). */
export function capacitySvg(review: Review): string {
  const charts = review.capacity.filter((c) => c.rows.length > 0);
  let y = 0;
  const inner: string[] = [];
  for (const c of charts) {
    const svg = capacityChart(c, true);
    const h = Number(/height="([\d.]+)"/.exec(svg)![1]);
    inner.push(`<g transform="translate(0 ${y})">${svg.replace(/^<svg [^>]*>/, '').replace(/<\/svg>$/, '')}</g>`);
    y += h + 16;
  }
  if (charts.length === 0) {
    inner.push('<text x="0" y="14" font-size="13">no workloads in the changed environments</text>');
    y = 24;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="760" height="${y}" viewBox="0 0 760 ${y}" font-family="system-ui,sans-serif">${inner.join('')}</svg>\n`;
}

function capacityTable(cap: EnvironmentCapacity): string {
  const head = ['release', ...CAPACITY_FIELDS.map((f) => FIELD_TITLES[f])].map((h) => `<th>${e(h)}</th>`).join('');
  const rows = cap.rows.map(
    (r) =>
      `<tr${capacityChanged(r.before, r.after) ? ' class="changed"' : ''}><td>${e(r.release)}</td>${CAPACITY_FIELDS.map((f) => `<td class="n">${e(formatChange(f, r.before, r.after))}</td>`).join('')}</tr>`,
  );
  rows.push(
    `<tr><th>total</th>${CAPACITY_FIELDS.map((f) => `<td class="n"><b>${e(formatChange(f, cap.total.before, cap.total.after))}</b></td>`).join('')}</tr>`,
  );
  return `<table class="capacity"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function diffBlock(text: string): string {
  const lines = text.split('\n').map((l) => {
    const cls =
      l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : '';
    return cls === '' ? e(l) : `<span class="${cls}">${e(l)}</span>`;
  });
  return `<pre>${lines.join('\n')}</pre>`;
}

function counts(changes: readonly ObjectChange[]): string {
  const n = (s: ObjectChange['status']) => changes.filter((c) => c.status === s).length;
  return `${n('added')} added, ${n('changed')} changed, ${n('removed')} removed`;
}

export function formatHtml(review: Review): string {
  const title = `rucio-gitops diff against ${review.base}`;
  const body: string[] = [`<h1>${e(title)}</h1>`];
  if (!hasChanges(review)) body.push('<p>No changes to the manifests.</p>');
  else {
    const all = review.environments.flatMap((x) => x.changes);
    body.push(
      `<p><b>${all.length} object${all.length === 1 ? '' : 's'}</b> in ${review.environments.length} environment${review.environments.length === 1 ? '' : 's'}: ${e(counts(all))}.</p>`,
    );
    const risks = allRisks(review);
    if (risks.length > 0)
      body.push(
        `<div class="risk"><h3>Risky changes (${risks.length})</h3><ul>${risks.map(({ environment, risk }) => `<li><b>${e(risk.kind)}</b> (${e(environment)}): ${e(risk.message)}</li>`).join('')}</ul></div>`,
      );
  }
  for (const env of review.environments) {
    body.push(`<h2 id="env-${e(env.name)}">${e(env.name)}: ${e(counts(env.changes))}</h2>`);
    const cap = review.capacity.find((c) => c.name === env.name);
    if (cap && cap.rows.length > 0) {
      body.push(
        `<h3>Capacity: ${capacityChanged(cap.total.before, cap.total.after) ? 'before → after' : 'unchanged'}</h3>`,
        capacityTable(cap),
        `<p class="note">CPU in cores, memory in GiB/MiB, summed over pods; autoscaled workloads count at their minimum–maximum replicas; a DaemonSet counts one pod (per node); Jobs and CronJobs are not counted.</p>`,
        `<div class="chart">${capacityChart(cap)}</div>`,
      );
    }
    body.push(
      '<h3>Objects</h3><table class="objects"><thead><tr><th>change</th><th>object</th><th>fields</th></tr></thead><tbody>',
    );
    for (const c of env.changes)
      body.push(
        `<tr><td>${e(c.status)}</td><td><code>${e(objectLabel(c.object))}</code></td><td>${c.fields
          .slice(0, 12)
          .map((f) => `<code>${e(f.path)}</code>`)
          .join('<br>')}${c.fields.length > 12 ? `<br>… ${c.fields.length - 12} more` : ''}</td></tr>`,
      );
    body.push('</tbody></table>');
    for (const c of env.changes.filter((c) => c.diff !== ''))
      body.push(`<details><summary>${e(objectLabel(c.object))}</summary>${diffBlock(c.diff)}</details>`);
  }
  if (review.files.length > 0) {
    body.push('<h2>Other files</h2>');
    for (const f of review.files)
      body.push(`<details><summary>${e(`${f.status} ${f.file}`)}</summary>${diffBlock(f.diff)}</details>`);
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
