/**
 * `output: helmrelease`: a release checked like any other, written as a Flux HelmRelease of the upstream chart with
 * its HelmRepository. The fixture environment (test/fixtures/helmrelease/hr.yaml) is a copy of the integration
 * server release and part of its daemons release.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runChecks } from '../../src/checks/index.js';
import { validateObject } from '../../src/checks/schema.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { prerequisites } from '../../src/prerequisites/prerequisites.js';
import { renderEnvironments } from '../../src/synth/render.js';
import type { RenderedFile } from '../../src/synth/files.js';
import { CHARTS, RUCIO_HELM_REPOSITORY } from '../../values/charts.js';
import { cleanup, cli, readTree, REPO, replaceOnce, tempDir, type Obj } from '../helpers.js';

afterAll(cleanup);

const FIXTURE = join(REPO, 'test/fixtures/helmrelease');

/** A copy of the fixture folder, with hr.yaml edited. */
function fixtureCopy(edit: (text: string) => string = (t) => t): string {
  const dir = tempDir();
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(join(dir, 'hr.yaml'), edit(readFileSync(join(dir, 'hr.yaml'), 'utf8')));
  return dir;
}

function render(dir: string): RenderedFile[] {
  return renderEnvironments(loadEnvironments(dir));
}

const objectAt = (files: readonly RenderedFile[], path: string): Obj => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} among ${files.map((x) => x.path).join(', ')}`);
  return f.object;
};

/** Synth through the command line; returns its exit code and output. */
async function synth(dir: string, out: string) {
  return cli('synth', '--environments', dir, '--out', out);
}

describe('output: helmrelease', () => {
  it('writes a HelmRelease and a HelmRepository per release instead of its manifests, valid against the Flux CRD schemas', async () => {
    const files = render(FIXTURE);
    expect(files.filter((f) => f.path.startsWith('apps/hr/')).map((f) => f.path)).toEqual([
      'apps/hr/daemonint/HelmRelease.daemonint.k8s.yaml',
      'apps/hr/daemonint/HelmRepository.daemonint-rucio-charts.k8s.yaml',
      'apps/hr/daemonint/kustomization.yaml',
      'apps/hr/kustomization.yaml',
      'apps/hr/serverint/HelmRelease.serverint.k8s.yaml',
      'apps/hr/serverint/HelmRepository.serverint-rucio-charts.k8s.yaml',
      'apps/hr/serverint/kustomization.yaml',
    ]);
    const server = objectAt(files, 'apps/hr/serverint/HelmRelease.serverint.k8s.yaml');
    const repo = objectAt(files, 'apps/hr/serverint/HelmRepository.serverint-rucio-charts.k8s.yaml');
    expect(server.apiVersion).toBe('helm.toolkit.fluxcd.io/v2');
    expect(repo.apiVersion).toBe('source.toolkit.fluxcd.io/v1');
    expect(repo.spec).toEqual({ interval: '1h', url: RUCIO_HELM_REPOSITORY });
    expect(server.spec.releaseName).toBe('serverint');
    expect(server.spec.chart.spec).toEqual({
      chart: 'rucio-server',
      version: CHARTS.rucioServer.version,
      sourceRef: { kind: 'HelmRepository', name: 'serverint-rucio-charts' },
      interval: '1h',
    });
    expect(CHARTS.rucioServer.version).toMatch(/^40\.\d+\.\d+$/);
    for (const path of [
      'apps/hr/serverint/HelmRelease.serverint.k8s.yaml',
      'apps/hr/serverint/HelmRepository.serverint-rucio-charts.k8s.yaml',
      'apps/hr/daemonint/HelmRelease.daemonint.k8s.yaml',
      'apps/hr/daemonint/HelmRepository.daemonint-rucio-charts.k8s.yaml',
    ])
      expect(await validateObject(objectAt(files, path)), path).toEqual([]);
    // A misspelt field is found inside the spec (the values themselves are free-form for the model).
    const typo = structuredClone(server);
    typo.spec.chart.spec.verison = typo.spec.chart.spec.version;
    expect((await validateObject(typo)).map((i) => `${i.rule} ${i.field}`)).toEqual([
      'unknown-field spec.chart.spec.verison',
    ]);
    // Checked against the v2 CRD schema copied from fluxcd/helm-controller: a field v2 removed is refused, a type too.
    const removed = structuredClone(server);
    removed.spec.chart.spec.valuesFile = 'values-prod.yaml';
    removed.spec.interval = 7;
    expect((await validateObject(removed)).map((i) => `${i.rule} ${i.field}`).sort()).toEqual([
      'schema spec.interval',
      'unknown-field spec.chart.spec.valuesFile',
    ]);
    // Every check synth runs (schemas, policy, secrets) passes on the whole environment.
    const report = await runChecks(loadEnvironments(FIXTURE), files, { out: 'dist', partial: false });
    expect(report.problems.map((p) => p.format())).toEqual([]);
    // The release's Flux Kustomization still applies its folder.
    const ks = objectAt(files, 'clusters/hr/Kustomization.rucio-app-serverint.k8s.yaml');
    expect(ks.spec.path).toBe('./apps/hr/serverint');
    expect(objectAt(files, 'clusters/hr/Kustomization.rucio-app-daemonint.k8s.yaml').spec.path).toBe(
      './apps/hr/daemonint',
    );
  });

  it("renders the values in the chart's own form, secrets as valuesFrom, and never a secret value", () => {
    const files = render(FIXTURE);
    const daemons = objectAt(files, 'apps/hr/daemonint/HelmRelease.daemonint.k8s.yaml').spec;
    const server = objectAt(files, 'apps/hr/serverint/HelmRelease.serverint.k8s.yaml').spec;
    // Activities: the chart's one string of single-quoted names; the stager's placeholder activities removed.
    expect(daemons.values.conveyorTransferSubmitter.activities).toBe(
      "'User Subscriptions' 'Functional Test' 'Express'",
    );
    expect(daemons.values.conveyorStager).toEqual({ activities: '' });
    // Flags and numbers whose chart default equals ours are left to the chart; others are written.
    expect(daemons.values.hermes).toBeUndefined();
    expect(daemons.values.reaper).toEqual({
      chunkSize: 1000,
      greedy: true,
      includeRses: 'tier=2&type=SCRATCHDISK',
      threads: 10,
    });
    // The chart's default conveyor certificate paths are removed (ours does not set them).
    expect(daemons.values.config.conveyor).toEqual({ cacert: null, usercert: null });
    // Booleans of optional_config as the strings ours puts in the env var; httpd values as strings.
    expect(daemons.values.optional_config).toEqual({
      rucio_ca_path: '/etc/grid-security/certificates',
      rucio_enable_logs: 'False',
    });
    expect(server.values.httpd_config).toEqual({
      encoded_slashes: 'True',
      grid_site_enabled: 'True',
      max_request_workers: '512',
      mpm_mode: 'event',
      threads_limit: '128',
    });
    // Our defaults that differ from the chart's are written out.
    expect(server.values.replicaCount).toBe(2);
    expect(server.values.useDeprecatedImplicitSecrets).toBe(false);
    expect(server.values.image).toEqual({
      repository: 'rucio/rucio-server',
      tag: 'release-36.2.0',
      pullPolicy: 'IfNotPresent',
    });
    // Secrets: valuesFrom entries at the option's place, release-wide and per daemon; no secretKeyRef in the values.
    expect(daemons.valuesFrom).toEqual([
      { kind: 'Secret', name: 'rucio-db', valuesKey: 'url', targetPath: 'config.database.default' },
      { kind: 'Secret', name: 'rucio-broker', valuesKey: 'password', targetPath: 'config.messaging-hermes.password' },
      {
        kind: 'Secret',
        name: 'rucio-db-judge',
        valuesKey: 'url',
        targetPath: 'judgeEvaluator.config.database.default',
      },
    ]);
    expect(server.valuesFrom.map((v: Obj) => v.targetPath)).toEqual([
      'config.database.default',
      'config.messaging-hermes.password',
    ]);
    for (const spec of [daemons, server]) {
      expect(JSON.stringify(spec.values)).not.toContain('secretKeyRef');
      expect(spec.values.config.database).toEqual({ pool_size: 10 });
    }
  });

  it('prerequisites lists the Secrets the HelmReleases read (valuesFrom) and the chart pods will mount', () => {
    const [hr] = prerequisites(render(FIXTURE));
    expect(hr!.crds.map((c) => c.name)).toContain('helmreleases.helm.toolkit.fluxcd.io');
    expect(hr!.crds.map((c) => c.name)).toContain('helmrepositories.source.toolkit.fluxcd.io');
    const secrets = Object.fromEntries(hr!.secrets.map((s) => [`${s.namespace}/${s.name}`, s]));
    expect(secrets['rucio/rucio-db']!.keys).toEqual(['url']);
    expect(secrets['rucio/rucio-db']!.usedBy).toEqual(['HelmRelease/daemonint', 'HelmRelease/serverint']);
    expect(secrets['rucio/rucio-db-judge']!.usedBy).toEqual(['HelmRelease/daemonint']);
    expect(secrets['rucio/rucio-broker']!.keys).toEqual(['password']);
    expect(secrets['rucio/serverint-hostcert']!.type).toBe('kubernetes.io/tls');
    expect(secrets['rucio/rucio-x509up']!.mountedAt).toEqual(['/opt/proxy']);
  });

  it('is byte-identical run to run', () => {
    const a = render(FIXTURE).map((f) => [f.path, f.text]);
    const b = render(FIXTURE).map((f) => [f.path, f.text]);
    expect(b).toEqual(a);
  });

  it('round-trips: import reads the HelmReleases back into the same values, and the same manifests', async () => {
    const dir = fixtureCopy();
    const out = join(tempDir(), 'dist');
    expect((await synth(dir, out)).code).toBe(0);
    const back = tempDir();
    const imported = await cli(
      'import',
      '--name',
      'hr',
      '--helmrelease',
      join(out, 'apps/hr/serverint/HelmRelease.serverint.k8s.yaml'),
      '--helmrelease',
      join(out, 'apps/hr/daemonint/HelmRelease.daemonint.k8s.yaml'),
      '--out',
      join(back, 'hr.yaml'),
    );
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('judgeEvaluator.config.database.default carried over as a secretKeyRef');
    expect(imported.stdout).toContain("config.conveyor.cacert: null: the chart's default is removed");
    expect(imported.stdout).not.toContain('not imported');
    // The imported environment, given the same output and flux block, writes the same HelmReleases (a fixed point) …
    const flux = readFileSync(join(dir, 'hr.yaml'), 'utf8').split('\nflux:\n')[1]!;
    const text = readFileSync(join(back, 'hr.yaml'), 'utf8');
    writeFileSync(
      join(back, 'hr.yaml'),
      `${replaceOnce(text, 'namespace: rucio\n', 'namespace: rucio\noutput: helmrelease\n')}flux:\n${flux}`,
    );
    const again = join(tempDir(), 'dist');
    expect((await synth(back, again)).code).toBe(0);
    const first = readTree(out);
    const second = readTree(again);
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    for (const path of Object.keys(first)) expect(second[path], path).toBe(first[path]);
    // … and, rendered to manifests, the same objects as the original environment rendered to manifests.
    const manifests = (d: string) => {
      writeFileSync(
        join(d, 'hr.yaml'),
        replaceOnce(readFileSync(join(d, 'hr.yaml'), 'utf8'), 'output: helmrelease\n', ''),
      );
      return Object.fromEntries(
        render(d)
          .filter((f) => f.path.startsWith('apps/'))
          .map((f) => [f.path, f.text]),
      );
    };
    const original = manifests(dir);
    const roundTrip = manifests(back);
    expect(Object.keys(original).some((p) => p.includes('Deployment.daemonint-reaper'))).toBe(true);
    expect(roundTrip).toEqual(original);
  });

  it('a single release may say output: helmrelease in an environment of manifests (and back)', () => {
    const dir = fixtureCopy((t) =>
      replaceOnce(
        replaceOnce(t, 'output: helmrelease\n', ''),
        '  daemonint:\n',
        '  daemonint:\n    output: helmrelease\n',
      ),
    );
    const paths = render(dir).map((f) => f.path);
    expect(paths).toContain('apps/hr/daemonint/HelmRelease.daemonint.k8s.yaml');
    expect(paths).toContain('apps/hr/serverint/Deployment.serverint-rucio-server.k8s.yaml');
    expect(paths.some((p) => p.startsWith('apps/hr/serverint/Helm'))).toBe(false);
    const other = fixtureCopy((t) => replaceOnce(t, '  serverint:\n', '  serverint:\n    output: manifests\n'));
    const paths2 = render(other).map((f) => f.path);
    expect(paths2).toContain('apps/hr/serverint/Deployment.serverint-rucio-server.k8s.yaml');
    expect(paths2).toContain('apps/hr/daemonint/HelmRelease.daemonint.k8s.yaml');
  });

  it('refuses a literal secret like manifest mode: the file, line and key, and nothing is written', async () => {
    const dir = fixtureCopy((t) =>
      replaceOnce(
        t,
        '      default: { secretKeyRef: { name: rucio-db, key: url } }\n',
        "      default: 'oracle://rucio:s3cr3tPassw0rd@db.example.org:1521/rucio'\n",
      ),
    );
    const out = join(tempDir(), 'dist');
    const r = await synth(dir, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hr\.yaml:13 {2}common\.config\.database\.default: /);
    expect(r.stderr).not.toContain('s3cr3tPassw0rd');
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [
      'an autoscaler of a daemon of the release',
      (t: string) =>
        `${replaceOnce(t, '    conveyorTransferSubmitterCount: 1\n', '')}autoscaling:\n  daemons:\n    daemonint:\n      conveyorTransferSubmitter: {maxReplicas: 4}\n`,
      /autoscaling\.daemons\.daemonint\.conveyorTransferSubmitter: the daemons release 'daemonint' has output: helmrelease, and its chart sets the replicas on every upgrade/,
    ],
    [
      "the server's metrics on (the chart's exporter image has no tag)",
      (t: string) =>
        replaceOnce(t, "    monitoring: { enabled: false } # the chart's apache exporter image has no tag\n", ''),
      /hr\.yaml:\d+ {2}servers\.serverint\.monitoring\.enabled: output: helmrelease installs the rucio-server chart 40\.0\.0, which runs its apache exporter as rucio\/apache_exporter without a tag/,
    ],
    [
      'the FTS renewal job (the chart binds it to the ClusterRole edit)',
      (t: string) =>
        replaceOnce(
          t,
          '    fullnameOverride: daemonint\n',
          '    fullnameOverride: daemonint\n    ftsRenewal: {enabled: true}\n',
        ),
      /hr\.yaml:\d+ {2}daemons\.daemonint\.ftsRenewal\.enabled: output: helmrelease installs the rucio-daemons chart 40\.0\.0, which binds its FTS renewal job to the ClusterRole 'edit'/,
    ],
    [
      'per-daemon podLabels (the chart reads them for the whole release only)',
      (t: string) =>
        replaceOnce(t, '      didLimit: 1000\n', '      didLimit: 1000\n      podLabels: {team: judges}\n'),
      /daemons\.daemonint\.judgeEvaluator\.podLabels: .* reads podLabels only for the whole release/,
    ],
    [
      'an RSE expression the chart puts into the shell bare',
      (t: string) =>
        replaceOnce(
          t,
          '      sourceStrategy: orderly\n',
          '      sourceStrategy: orderly\n      rses: tier=1&type=DISK\n',
        ),
      /daemons\.daemonint\.conveyorTransferSubmitter\.rses: .* puts --rses into RUCIO_DAEMON_ARGS without quoting it/,
    ],
    [
      'a number 0 the chart would leave out',
      (t: string) => replaceOnce(t, '      chunkSize: 1000\n', '      chunkSize: 0\n'),
      /daemons\.daemonint\.reaper\.chunkSize: .* leaves --chunk-size out when the value is 0/,
    ],
  ])('refuses %s in the plan stage, at the key', async (_what, edit, message) => {
    const dir = fixtureCopy(edit);
    const out = join(tempDir(), 'dist');
    const r = await synth(dir, out);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/or (set output: manifests on (this|the) release|remove this entry)/);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it('the bundled environments stay as they are (their output is manifests)', () => {
    const dist = readTree(join(REPO, 'dist'));
    expect(Object.keys(dist).some((p) => /HelmRe(lease|pository)\./.test(p))).toBe(false);
    const env = parse(readFileSync(join(REPO, 'environments/integration.yaml'), 'utf8')) as Obj;
    expect(env.output).toBeUndefined();
  });
});
