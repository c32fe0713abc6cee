/**
 * `output: helmrelease` through the GitOps flow, with real git repositories and a bare remote: `diff` reviews the
 * switch of a bundled release (the server, the WebUI) from manifests to a HelmRelease (and a change of a chart value),
 * `publish` lands it in the deploy repository where the release's Kustomization still applies its folder.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { diff } from '../../src/cli/diff.js';
import { publishTo } from '../../src/cli/publish.js';
import type { Review } from '../../src/review/compare.js';
import { capture, cleanup, git, publishedRemote, sourceRepo, synthInto, tempDir } from './helpers.js';

afterAll(cleanup);

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text.split(from).length).toBe(2);
  writeFileSync(file, text.replace(from, to));
}

/** The integration server release switched to the upstream chart (its metrics off: the chart's exporter has no tag). */
function switchServer(repo: string): void {
  edit(
    join(repo, 'environments/integration.yaml'),
    '  serverint:\n    replicaCount: 2\n',
    '  serverint:\n    output: helmrelease\n    monitoring: {enabled: false}\n    replicaCount: 2\n',
  );
}

/**
 * The integration WebUI release switched to the upstream chart: its log sidecars off (the chart's busybox has no tag)
 * and its Service's loadBalancerIP kept (values.yaml of the chart declares it).
 */
function switchWebui(repo: string): void {
  edit(
    join(repo, 'environments/integration.yaml'),
    '  webuiint:\n    fullnameOverride: webuiint\n',
    '  webuiint:\n    output: helmrelease\n    fullnameOverride: webuiint\n',
  );
  edit(
    join(repo, 'environments/integration.yaml'),
    '    config:\n      webui:\n',
    '    config:\n      logs: {exposeHttpdLogs: false, exposeWebuiLogs: false}\n      webui:\n',
  );
}

async function review(repo: string): Promise<{ code: number; review: Review; markdown: string }> {
  const run = async (format: string) => {
    const c = capture();
    const code = await diff(
      { environments: join(repo, 'environments'), out: join(repo, 'dist'), format, exitCode: true },
      c.ctx,
    );
    return { code, text: c.out.join('') };
  };
  const json = await run('json');
  return { code: json.code, review: JSON.parse(json.text) as Review, markdown: (await run('markdown')).text };
}

const changes = (r: Review) =>
  r.environments
    .flatMap((e) => e.changes.map((c) => `${c.status} ${c.object.file}`))
    .sort((a, b) => a.localeCompare(b));

describe('output: helmrelease with diff and publish (real git repositories)', () => {
  it('diff shows the manifests a release drops and the HelmRelease and HelmRepository it gains, then a value change', async () => {
    const repo = sourceRepo();
    git(repo, 'checkout', '-q', '-b', 'feature');
    switchServer(repo);
    const first = await review(repo);
    expect(first.code).toBe(1);
    expect(changes(first.review)).toEqual([
      'added apps/integration/serverint/HelmRelease.serverint.k8s.yaml',
      'added apps/integration/serverint/HelmRepository.serverint-rucio-charts.k8s.yaml',
      'removed apps/integration/serverint/ConfigMap.serverint-rucio-server.config.common.k8s.yaml',
      'removed apps/integration/serverint/Deployment.serverint-rucio-server.k8s.yaml',
      'removed apps/integration/serverint/Service.serverint-rucio-server.k8s.yaml',
    ]);
    expect(first.markdown).toContain('| added | `HelmRelease/serverint` |');
    // Flux prunes the Deployment the chart then re-creates under the same name: the review says so.
    expect(first.markdown).toMatch(/prune/i);

    // Commit the switch, then change a value: the review names the HelmRelease field that changes.
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'serverint from the upstream chart');
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'merge', '-q', '--no-ff', 'feature', '-m', 'merge');
    synthInto(join(repo, 'environments'), join(repo, 'dist'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'synth');
    git(repo, 'checkout', '-q', '-b', 'more-replicas');
    edit(join(repo, 'environments/integration.yaml'), '    replicaCount: 2\n', '    replicaCount: 3\n');
    const second = await review(repo);
    expect(second.code).toBe(1);
    expect(changes(second.review)).toEqual(['changed apps/integration/serverint/HelmRelease.serverint.k8s.yaml']);
    expect(second.markdown).toContain('| changed | `HelmRelease/serverint` | `spec.values.replicaCount` |');
  });

  it('diff and publish take a WebUI release switched to the rucio-webui chart, then a change of a chart value', async () => {
    const source = sourceRepo();
    // The bundled environments published once (the same first publish publishTo(opts) makes into an empty remote).
    const remote = await publishedRemote();
    const opts = { environments: join(source, 'environments'), repo: remote, branch: 'main', attempts: 5 };
    expect(git(remote, 'rev-parse', 'main').trim()).toMatch(/^[0-9a-f]{40}$/);

    git(source, 'checkout', '-q', '-b', 'webui-chart');
    switchWebui(source);
    const first = await review(source);
    expect(first.code).toBe(1);
    expect(changes(first.review)).toEqual([
      'added apps/integration/webuiint/HelmRelease.webuiint.k8s.yaml',
      'added apps/integration/webuiint/HelmRepository.webuiint-rucio-charts.k8s.yaml',
      'removed apps/integration/webuiint/Deployment.webuiint.k8s.yaml',
      'removed apps/integration/webuiint/Service.webuiint.k8s.yaml',
    ]);
    expect(first.markdown).toContain('| added | `HelmRelease/webuiint` |');

    git(source, 'add', '-A');
    git(source, 'commit', '-q', '-m', 'webuiint from the upstream chart');
    git(source, 'checkout', '-q', 'main');
    git(source, 'merge', '-q', '--no-ff', 'webui-chart', '-m', 'merge');
    const published = await publishTo(opts, capture().ctx);
    expect(published.commit).toMatch(/^[0-9a-f]{40}$/);
    const message = git(remote, 'log', '-1', '--format=%B', 'main');
    expect(message).toContain('integration: 2 added, 0 changed, 2 removed');
    const clone = join(tempDir('rg-inspect-'), 'clone');
    git(tempDir(), 'clone', '-q', '-b', 'main', remote, clone);
    const folder = join(clone, 'apps/integration/webuiint');
    const kustomization = parse(readFileSync(join(folder, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect(kustomization.resources).toEqual([
      'HelmRelease.webuiint.k8s.yaml',
      'HelmRepository.webuiint-rucio-charts.k8s.yaml',
    ]);
    const release = parse(readFileSync(join(folder, 'HelmRelease.webuiint.k8s.yaml'), 'utf8')) as {
      spec: { chart: { spec: { chart: string } }; values: { service: Record<string, unknown> } };
    };
    expect(release.spec.chart.spec.chart).toBe('rucio-webui');
    expect(release.spec.values.service.loadBalancerIP).toBe('192.0.2.12');
    expect(
      parse(readFileSync(join(clone, 'clusters/integration/Kustomization.rucio-app-webuiint.k8s.yaml'), 'utf8')).spec
        .path,
    ).toBe('./apps/integration/webuiint');

    // A value change: the review names the field of the HelmRelease that changes.
    synthInto(join(source, 'environments'), join(source, 'dist'));
    git(source, 'add', '-A');
    git(source, 'commit', '-q', '-m', 'synth');
    git(source, 'checkout', '-q', '-b', 'more-webui-replicas');
    edit(
      join(source, 'environments/integration.yaml'),
      '    fullnameOverride: webuiint\n    replicaCount: 1\n',
      '    fullnameOverride: webuiint\n    replicaCount: 2\n',
    );
    const second = await review(source);
    expect(changes(second.review)).toEqual(['changed apps/integration/webuiint/HelmRelease.webuiint.k8s.yaml']);
    expect(second.markdown).toContain('| changed | `HelmRelease/webuiint` | `spec.values.replicaCount` |');
  });

  it('publish lands the HelmRelease and HelmRepository where the release Kustomization applies them', async () => {
    const source = sourceRepo();
    // The bundled environments published once (the same first publish publishTo(opts) makes into an empty remote).
    const remote = await publishedRemote();
    const opts = { environments: join(source, 'environments'), repo: remote, branch: 'main', attempts: 5 };
    expect(git(remote, 'rev-parse', 'main').trim()).toMatch(/^[0-9a-f]{40}$/);

    switchServer(source);
    git(source, 'add', '-A');
    git(source, 'commit', '-q', '-m', 'serverint from the upstream chart');
    const c = capture();
    const result = await publishTo(opts, c.ctx);
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    const message = git(remote, 'log', '-1', '--format=%B', 'main');
    expect(message).toContain('integration: 2 added, 0 changed, 3 removed');
    expect(message).toContain(
      'added   HelmRelease.serverint  (apps/integration/serverint/HelmRelease.serverint.k8s.yaml)',
    );

    const clone = join(tempDir('rg-inspect-'), 'clone');
    git(tempDir(), 'clone', '-q', '-b', 'main', remote, clone);
    const folder = join(clone, 'apps/integration/serverint');
    expect(existsSync(join(folder, 'Deployment.serverint-rucio-server.k8s.yaml'))).toBe(false);
    const kustomization = parse(readFileSync(join(folder, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect(kustomization.resources).toEqual([
      'HelmRelease.serverint.k8s.yaml',
      'HelmRepository.serverint-rucio-charts.k8s.yaml',
    ]);
    const release = parse(readFileSync(join(folder, 'HelmRelease.serverint.k8s.yaml'), 'utf8')) as {
      spec: { chart: { spec: { sourceRef: { name: string } } }; values: Record<string, unknown> };
    };
    expect(release.spec.chart.spec.sourceRef.name).toBe('serverint-rucio-charts');
    expect(release.spec.values.replicaCount).toBe(2);
    const ks = parse(
      readFileSync(join(clone, 'clusters/integration/Kustomization.rucio-app-serverint.k8s.yaml'), 'utf8'),
    ) as { spec: { path: string; targetNamespace: string } };
    expect(ks.spec.path).toBe('./apps/integration/serverint');
    expect(ks.spec.targetNamespace).toBe('rucio');

    // Nothing changed since: no commit.
    const again = await publishTo(opts, capture().ctx);
    expect(again.commit).toBeUndefined();
  });
});
