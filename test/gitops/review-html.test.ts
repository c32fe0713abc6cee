/**
 * The merge-request review with its capacity summary: the markdown table, and the self-contained HTML page rendered
 * in a real headless browser (Debian's chromium driven by playwright-core), with a screenshot.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { diff } from '../../src/cli/diff.js';
import { main } from '../../src/cli/main.js';
import { quantity } from '../../src/review/capacity.js';
import { escapeHtml } from '../../src/review/html.js';
import { browserDecision } from './browser.js';
import { capture, cleanup, git, sourceRepo, tempDir } from './helpers.js';

afterAll(cleanup);

/** Script-looking text in a config value: environment files are input, the page must show it as text. */
const HOSTILE = `</pre><img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

/** A merge request: integration's API server 2 → 3 replicas, production's reaper autoscaled to 6 instead of 4. */
function mergeRequest(): string {
  const repo = sourceRepo();
  git(repo, 'checkout', '-q', '-b', 'feature');
  const integration = join(repo, 'environments/integration.yaml');
  edit(integration, '    replicaCount: 2\n', '    replicaCount: 3\n');
  edit(
    integration,
    '  config:\n    common:\n      loglevel: DEBUG\n',
    `  config:\n    common:\n      loglevel: DEBUG\n    messaging-hermes:\n      destination: ${JSON.stringify(HOSTILE)}\n`,
  );
  edit(
    join(repo, 'environments/production.yaml'),
    '      reaper: {minReplicas: 2, maxReplicas: 4}\n',
    '      reaper: {minReplicas: 2, maxReplicas: 6}\n',
  );
  return repo;
}

async function review(repo: string, args: string[]) {
  const c = capture();
  const code = await main(
    ['diff', '--environments', join(repo, 'environments'), '--dist', join(repo, 'dist'), ...args],
    c.ctx,
  );
  return { code, out: c.out.join(''), err: c.err.join('') };
}

/** CPU requests (cores) of one pod of a Deployment, read from its manifest. */
function podCpu(repo: string, file: string): number {
  const doc = parse(readFileSync(join(repo, 'dist', file), 'utf8'));
  return (doc.spec.template.spec.containers as Array<{ resources: { requests: { cpu: string } } }>).reduce(
    (n, c) => n + quantity(c.resources.requests.cpu),
    0,
  );
}

describe('diff: capacity summary', () => {
  it('markdown: pods, CPU and memory per release, before → after; autoscaled workloads at min–max', async () => {
    const repo = mergeRequest();
    const r = await review(repo, ['--format', 'markdown']);
    expect(r.code).toBe(0);
    const md = r.out;
    expect(md).toContain('##### Capacity of integration: before → after');
    expect(md).toContain(
      '| release | pods | CPU requests | CPU limits | memory requests | memory limits |\n| --- | ---: | ---: | ---: | ---: | ---: |',
    );
    // The server release: one pod more, CPU requests up by exactly one pod's.
    const server = md.split('\n').find((l) => l.startsWith('| **serverint** |'))!;
    expect(server).toBeDefined();
    const cpu = podCpu(repo, 'apps/integration/serverint/Deployment.serverint-rucio-server.k8s.yaml');
    const round = (n: number) => String(Math.round(n * 100) / 100);
    expect(server).toContain('| 2 → 3 (+1) |');
    expect(server).toContain(`| ${round(2 * cpu)} → ${round(3 * cpu)} (+${round(cpu)}) |`);
    // Unchanged releases are listed without an arrow, and not in bold.
    expect(md).toMatch(/\n\| daemonint \| 15 \| [\d.]+ \|/);
    // Production: the reaper's autoscaler may now grow to 6: the minimum stays, the maximum grows by 2 pods.
    expect(md).toContain('##### Capacity of production: before → after');
    const prod = md.split('\n').find((l) => l.startsWith('| **daemonprod** |'))!;
    expect(prod).toMatch(/^\| \*\*daemonprod\*\* \| (\d+)–(\d+) → \1–(\d+) \(±0 … \+2\) \|/);
    expect(md).toContain('Autoscaled workloads count at their minimum–maximum replicas.');
    // JSON carries the same figures.
    const json = JSON.parse((await review(repo, ['--format', 'json'])).out);
    const serverint = json.capacity
      .find((c: { name: string }) => c.name === 'integration')
      .rows.find((r: { release: string }) => r.release === 'serverint');
    expect(serverint.before.pods).toEqual({ min: 2, max: 2 });
    expect(serverint.after.pods).toEqual({ min: 3, max: 3 });
  });

  it('--out writes the review to a file (nothing on stdout); a folder or an empty name is a usage error', async () => {
    const repo = mergeRequest();
    const file = join(tempDir('rg-review-'), 'review.md');
    const r = await review(repo, ['--format', 'markdown', '--out', file]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(readFileSync(file, 'utf8')).toContain('##### Capacity of integration');
    for (const bad of [tempDir('rg-folder-'), '']) {
      const u = await review(repo, ['--format', 'html', '--out', bad]);
      expect(u.code).toBe(2);
      expect(u.err).toContain('--out FILE names the file the review is written to');
    }
    const u = await review(repo, ['--format', 'pdf']);
    expect(u.code).toBe(2);
    expect(u.err).toContain('--format must be one of text, markdown, json, html');
  });

  it('--html FILE writes the page --format html writes, beside the --format review, in one run; bad names are usage errors', async () => {
    const repo = mergeRequest();
    const dir = tempDir('rg-review-');
    const [md, page, alone] = ['review.md', 'review.html', 'alone.html'].map((f) => join(dir, f)) as [
      string,
      string,
      string,
    ];
    const r = await review(repo, ['--format', 'markdown', '--out', md, '--html', page]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toContain(`wrote the markdown review to ${md}\n`);
    expect(r.err).toContain(`wrote the html review to ${page}\n`);
    expect(readFileSync(md, 'utf8')).toContain('##### Capacity of integration');
    expect((await review(repo, ['--format', 'html', '--out', alone])).code).toBe(0);
    expect(readFileSync(page, 'utf8')).toBe(readFileSync(alone, 'utf8'));
    for (const bad of [tempDir('rg-folder-'), '']) {
      const u = await review(repo, ['--format', 'markdown', '--html', bad]);
      expect(u.code).toBe(2);
      expect(u.err).toContain('--html FILE names the file the review is written to');
    }
    const same = await review(repo, ['--format', 'markdown', '--out', md, '--html', join(dir, '.', 'review.md')]);
    expect(same.code).toBe(2);
    expect(same.err).toContain(`--out and --html name the same file`);
    expect(readFileSync(md, 'utf8')).toContain('##### Capacity of integration'); // not overwritten by the refusal
  });

  it('escapeHtml escapes the five characters that matter', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

const browser = browserDecision();

describe.skipIf(browser.action === 'skip')(
  `diff --format html in headless chromium${browser.action === 'skip' ? ` [skipped: ${browser.reason}]` : ''}`,
  () => {
    it('renders the self-contained page with its bar chart, loads nothing else, and shows hostile values as text', async () => {
      if (browser.action === 'fail') throw new Error(browser.reason);
      const repo = mergeRequest();
      const dir = tempDir('rg-html-');
      const file = join(dir, 'review.html');
      const svgFile = join(dir, 'chart.svg');
      const c = capture();
      expect(
        await diff(
          {
            environments: join(repo, 'environments'),
            out: join(repo, 'dist'),
            format: 'html',
            exitCode: false,
            file,
            svg: svgFile,
          },
          c.ctx,
        ),
      ).toBe(0);
      const html = readFileSync(file, 'utf8');
      // Self-contained: no script, no external reference, a policy that forbids loading anything.
      expect(html).not.toMatch(
        /<(script|link|iframe|img|object|embed|image|use)\b|\s(src|href|xlink:href)="|@import|url\(/i,
      );
      expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'`);
      expect(html).toContain(escapeHtml('</pre><img src=x onerror='));
      expect(readFileSync(svgFile, 'utf8')).toMatch(/^<\?xml [^>]*\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);

      const { chromium } = await import('playwright-core');
      const b = await chromium.launch({ executablePath: browser.path, args: ['--no-sandbox'] });
      try {
        const page = await b.newPage({ viewport: { width: 1200, height: 900 } });
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        const dialogs: string[] = [];
        page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
        const url = pathToFileURL(file).href;
        await page.goto(url);
        expect(requests).toEqual([url]);
        expect(await page.title()).toMatch(/^rucio-gitops diff against merge base [0-9a-f]{12}$/);
        expect(dialogs).toEqual([]);
        expect(await page.locator('script, img').count()).toBe(0);
        // The chart of each environment: a before and an after bar per release and figure, drawn with a size.
        const charts = page.locator('svg.capacity-chart');
        expect(await charts.count()).toBe(2);
        const bars = await page.locator('svg.capacity-chart rect.bar.after').count();
        expect(bars).toBeGreaterThanOrEqual(6);
        const box = await charts.first().boundingBox();
        expect(box!.width).toBeGreaterThan(500);
        expect(box!.height).toBeGreaterThan(100);
        // The wider bar of production's daemonprod after the change (6 reapers at most instead of 4).
        const widths = await page.$$eval('svg.capacity-chart rect.bar', (rects) =>
          rects
            .filter((r) => (r.querySelector('title')?.textContent ?? '').startsWith('daemonprod pods'))
            .map((r) => Number(r.getAttribute('width'))),
        );
        expect(widths).toHaveLength(2);
        expect(widths[1]).toBeGreaterThan(widths[0]!);
        // The capacity table and the hostile value, as text.
        expect(await page.locator('table.capacity').count()).toBe(2);
        await page
          .locator('details', { hasText: 'ConfigMap/' })
          .first()
          .evaluate((d) => ((d as HTMLDetailsElement).open = true));
        expect(await page.locator('body').innerText()).toContain('</pre><img src=x onerror=');
        const shot = join(tmpdir(), 'rucio-gitops-review.png');
        // The screenshot shows production's capacity table and chart.
        await page
          .locator('h3', { hasText: 'Capacity' })
          .last()
          .evaluate((h) => h.scrollIntoView({ block: 'start' }));
        await page.screenshot({ path: shot, fullPage: false });
        expect(statSync(shot).size).toBeGreaterThan(20_000);
        expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
      } finally {
        await b.close();
      }
    }, 120_000);
  },
);

it('the chromium decision names the Debian package when the browser is missing', () => {
  const d = browserDecision({ PATH: '/nonexistent' }, []);
  expect(d).toEqual({ action: 'skip', reason: 'chromium not found: apt-get install chromium' });
  expect(browserDecision({ PATH: '/nonexistent', RUCIO_GITOPS_REQUIRE_TOOLS: '1' }, [])).toEqual({
    action: 'fail',
    reason: 'chromium not found: apt-get install chromium (RUCIO_GITOPS_REQUIRE_TOOLS=1 requires it)',
  });
  // A chromium on the PATH is the one used, wherever the PATH puts it.
  const bin = tempDir();
  writeFileSync(join(bin, 'chromium'), '#!/bin/sh\n');
  chmodSync(join(bin, 'chromium'), 0o755);
  expect(browserDecision({ PATH: `/nonexistent${delimiter}${bin}` })).toEqual({
    action: 'run',
    path: join(bin, 'chromium'),
  });
  chmodSync(join(bin, 'chromium'), 0o644); // not executable: not a browser
  expect(browserDecision({ PATH: bin }).action).toBe('skip');
});
