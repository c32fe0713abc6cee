import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diff } from '../../src/cli/diff.js';
import { compareTrees, type Review } from '../../src/review/compare.js';
import { formatReview } from '../../src/review/format.js';
import { toYaml } from '../../src/synth/yaml-emit.js';
import { capture, cleanup, git, sourceRepo } from './helpers.js';

afterAll(cleanup);

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

async function runDiff(repo: string, format: string, extra: Partial<Parameters<typeof diff>[0]> = {}) {
  const c = capture();
  const code = await diff(
    { environments: join(repo, 'environments'), out: join(repo, 'dist'), format, exitCode: true, ...extra },
    c.ctx,
  );
  return { code, text: c.out.join('') };
}

/** The markdown summary rows: `| change | object | fields |`. */
function rows(markdown: string): string[] {
  return markdown.split('\n').filter((l) => /^\| (added|changed|removed) \|/.test(l));
}

describe('rucio-gitops diff (real git repository)', () => {
  it('shows no change when the committed dist/ is what synth produces', async () => {
    const repo = sourceRepo();
    git(repo, 'checkout', '-q', '-b', 'feature');
    const { code, text } = await runDiff(repo, 'text');
    expect(code).toBe(0);
    expect(text).toMatch(/^no changes against merge base [0-9a-f]{12}/);
  });

  it('names exactly the changed object and field of a changed value, in markdown', async () => {
    const repo = sourceRepo();
    git(repo, 'checkout', '-q', '-b', 'feature');
    edit(join(repo, 'environments/integration.yaml'), '    replicaCount: 2\n', '    replicaCount: 3\n');
    const { code, text } = await runDiff(repo, 'markdown');
    expect(code).toBe(1);
    expect(rows(text)).toEqual(['| changed | `Deployment/serverint-rucio-server` | `spec.replicas` |']);
    expect(text).toContain('#### integration: 0 added, 1 changed, 0 removed');
    expect(text).not.toContain('#### production');
    expect(text).toContain('- **replicas** (integration): Deployment/serverint-rucio-server: replicas 2 → 3');
    expect(text).not.toContain('**selector**');
    expect(text).toMatch(
      /<details><summary>Deployment\/serverint-rucio-server<\/summary>\n\n```diff\n[^]*\n-  replicas: 2\n\+  replicas: 3\n/,
    );
  });

  it('flags a changed Deployment selector as risky and names each changed object and field', async () => {
    const repo = sourceRepo();
    git(repo, 'checkout', '-q', '-b', 'feature');
    edit(
      join(repo, 'environments/integration.yaml'),
      '  serverint:\n    replicaCount: 2\n',
      '  serverint:\n    fullnameOverride: serverint-rucio-server\n    nameOverride: rucio-srv\n    replicaCount: 2\n',
    );
    const { code, text } = await runDiff(repo, 'markdown');
    expect(code).toBe(1);
    expect(rows(text)).toEqual([
      '| changed | `ConfigMap/serverint-rucio-server.config.common` | `metadata.labels.app` |',
      '| changed | `Deployment/serverint-rucio-server` | `metadata.labels.app`<br>`spec.selector.matchLabels.app`<br>`spec.template.metadata.labels.app` |',
      '| changed | `Service/serverint-rucio-server` | `metadata.labels.app`<br>`spec.selector.app` |',
    ]);
    expect(text).toMatch(
      /#### :warning: Risky changes \(1\)\n\n- \*\*selector\*\* \(integration\): Deployment\/serverint-rucio-server: selector changed \(spec\.selector\.matchLabels\.app\); it is immutable/,
    );
  });

  it('calls out image changes and config changes that roll pods; json and text formats; --env narrows', async () => {
    const repo = sourceRepo();
    git(repo, 'checkout', '-q', '-b', 'feature');
    edit(
      join(repo, 'environments/production.yaml'),
      '      loglevel: INFO\n',
      '      loglevel: WARNING\n  image:\n    tag: release-37.0.0\n',
    );
    const json = JSON.parse((await runDiff(repo, 'json')).text) as Review & {
      risks: Array<{ environment: string; risk: { kind: string; message: string } }>;
    };
    expect(json.environments.map((e) => e.name)).toEqual(['production']);
    const kinds = new Set(json.risks.map((r) => r.risk.kind));
    expect([...kinds].sort()).toEqual(['config', 'image', 'rollout']);
    expect(
      json.risks.some((r) =>
        r.risk.message.includes('image rucio/rucio-daemons:release-36.2.0 → rucio/rucio-daemons:release-37.0.0'),
      ),
    ).toBe(true);
    const onlyIntegration = await runDiff(repo, 'text', { env: ['integration'] });
    expect(onlyIntegration.code).toBe(0);
    const text = await runDiff(repo, 'text', { env: ['production'], exitCode: false });
    expect(text.code).toBe(0);
    expect(text.text).toContain('RISKY');
  });

  it('reports removed objects that Flux will prune', async () => {
    const repo = sourceRepo();
    git(repo, 'checkout', '-q', '-b', 'feature');
    edit(
      join(repo, 'environments/integration.yaml'),
      '    minosTemporaryExpirationCount: 1\n',
      '    minosTemporaryExpirationCount: 0\n',
    );
    const { text } = await runDiff(repo, 'json');
    const review = JSON.parse(text) as Review;
    const removed = review.environments.flatMap((e) => e.changes.filter((c) => c.status === 'removed'));
    expect(removed.length).toBeGreaterThan(0);
    expect(
      removed.every((c) =>
        c.risks.some((r) => r.kind === 'prune' && r.message.includes('Kustomization rucio-app-daemon')),
      ),
    ).toBe(true);
  });
});

describe('object comparison', () => {
  const deployment = (containers: unknown[]) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'rucio' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { spec: { containers } } },
  });
  const tree = (o: unknown) => new Map([['apps/test/web/Deployment.web.k8s.yaml', toYaml(o)]]);

  it('matches containers and env vars by name, not by position', () => {
    const a = deployment([
      {
        name: 'httpd',
        image: 'httpd:1',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      },
      { name: 'sidecar', image: 'busybox:1' },
    ]);
    const b = deployment([
      { name: 'sidecar', image: 'busybox:1' },
      {
        name: 'httpd',
        image: 'httpd:1',
        env: [
          { name: 'B', value: '3' },
          { name: 'A', value: '1' },
        ],
      },
    ]);
    const review = compareTrees('base', tree(a), tree(b));
    const change = review.environments[0]!.changes[0]!;
    expect(change.fields).toEqual([
      { path: 'spec.template.spec.containers[httpd].env[B].value', before: '2', after: '3' },
    ]);
    // The YAML diff shows one changed line, not a reshuffle.
    const lines = change.diff.split('\n').filter((l) => /^[-+] /.test(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^- +value: "2"$/);
    expect(lines[1]).toMatch(/^\+ +value: "3"$/);
  });

  it('flags Flux Kustomization changes that prune', () => {
    const ks = (path: string, prune: boolean) => ({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'rucio-app-x', namespace: 'flux-system' },
      spec: { path, prune },
    });
    const file = 'clusters/test/Kustomization.rucio-app-x.k8s.yaml';
    const review = compareTrees(
      'base',
      new Map([[file, toYaml(ks('./apps/test/x', true))]]),
      new Map([[file, toYaml(ks('./apps/test/y', false))]]),
    );
    expect(review.environments[0]!.changes[0]!.risks.map((r) => r.message)).toEqual([
      'Kustomization/rucio-app-x: path ./apps/test/x → ./apps/test/y; with prune on, Flux deletes what it applied from the old path that the new one lacks',
      'Kustomization/rucio-app-x: prune true → false',
    ]);
  });

  it('masks secret-looking values, and shows that they changed', () => {
    const a = deployment([
      {
        name: 'app',
        image: 'x:1',
        env: [
          { name: 'DB_PASSWORD', value: 'hunter2' },
          { name: 'URL', value: 'https://rucio:s3cret@db.example.org/x' },
          { name: 'REF', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        ],
      },
    ]);
    const b = deployment([
      {
        name: 'app',
        image: 'x:1',
        env: [
          { name: 'DB_PASSWORD', value: 'hunter3' },
          { name: 'URL', value: 'https://rucio:0ther@db.example.org/y' },
          { name: 'REF', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        ],
      },
    ]);
    const secret = (v: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { token: v } });
    const base = new Map([...tree(a), ['apps/test/web/Secret.s.k8s.yaml', toYaml(secret('c2VjcmV0MQ=='))]]);
    const head = new Map([...tree(b), ['apps/test/web/Secret.s.k8s.yaml', toYaml(secret('c2VjcmV0Mg=='))]]);
    const review = compareTrees('base', base, head);
    for (const format of ['text', 'markdown', 'json'] as const) {
      const out = formatReview(review, format);
      for (const s of ['hunter2', 'hunter3', 's3cret', '0ther', 'c2VjcmV0MQ==', 'c2VjcmV0Mg=='])
        expect(out).not.toContain(s);
      expect(out).toContain('<masked, changed>');
    }
    const fields = review.environments[0]!.changes.flatMap((c) => c.fields);
    expect(fields).toContainEqual({
      path: 'spec.template.spec.containers[app].env[DB_PASSWORD].value',
      before: '<masked>',
      after: '<masked, changed>',
    });
    expect(fields).toContainEqual({
      path: 'spec.template.spec.containers[app].env[URL].value',
      before: 'https://rucio:****@db.example.org/x',
      after: 'https://rucio:****@db.example.org/y',
    });
    expect(fields).toContainEqual({ path: 'data.token', before: '<masked>', after: '<masked, changed>' });
  });
});
