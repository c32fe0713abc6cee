/**
 * HelmRelease helm.toolkit.fluxcd.io/v2 and HelmRepository source.toolkit.fluxcd.io/v1 are validated against the CRD
 * schemas copied from Flux's sources (src/checks/flux-crds.ts): every one we write validates, and a field v2 does not
 * have (one the GA version removed, a misspelt or mistyped one) is refused, as the API server would prune or reject it.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { compileCrd } from '../../src/checks/crd-schema.js';
import { FLUX_CRD_SCHEMAS } from '../../src/checks/flux-crds.js';
import { validateObject } from '../../src/checks/schema.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { renderEnvironments } from '../../src/synth/render.js';
import type { KubeObject } from '../../src/synth/files.js';
import { readTree, REPO, type Obj } from '../helpers.js';

const isFluxHelm = (o: Obj | undefined | null): o is Obj =>
  !!o &&
  ((o.apiVersion === 'helm.toolkit.fluxcd.io/v2' && o.kind === 'HelmRelease') ||
    (o.apiVersion === 'source.toolkit.fluxcd.io/v1' && o.kind === 'HelmRepository'));

/** Every HelmRelease and HelmRepository in dist/ and in the environments of the helmrelease tests. */
function written(): { where: string; object: Obj }[] {
  const out: { where: string; object: Obj }[] = [];
  for (const [path, text] of Object.entries(readTree(join(REPO, 'dist'))))
    if (path.endsWith('.yaml')) {
      const o = parse(text) as Obj | null;
      if (isFluxHelm(o)) out.push({ where: `dist/${path}`, object: o });
    }
  for (const fixture of ['test/fixtures/helmrelease', 'test/fixtures/helmrelease-webui'])
    for (const f of renderEnvironments(loadEnvironments(join(REPO, fixture))))
      if (isFluxHelm(f.object)) out.push({ where: `${fixture}: ${f.path}`, object: f.object });
  return out;
}

const summary = async (o: Obj) => (await validateObject(o as KubeObject)).map((i) => `${i.rule} ${i.field}`);

const release = (): Obj => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'serverint', namespace: 'rucio', labels: { app: 'x' } },
  spec: {
    releaseName: 'serverint',
    interval: '10m',
    chart: {
      spec: {
        chart: 'rucio-server',
        version: '40.0.0',
        sourceRef: { kind: 'HelmRepository', name: 'serverint-rucio-charts' },
        interval: '1h',
      },
    },
    install: { remediation: { retries: 3 } },
    upgrade: { remediation: { retries: 3 } },
    valuesFrom: [{ kind: 'Secret', name: 'rucio-db', valuesKey: 'url', targetPath: 'config.database.default' }],
    values: { free: { form: ['values', 1, true] } },
  },
});

const repository = (): Obj => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'HelmRepository',
  metadata: { name: 'serverint-rucio-charts', namespace: 'rucio' },
  spec: { interval: '1h', url: 'https://rucio.github.io/helm-charts' },
});

describe('the Flux CRD schemas copied from their sources', () => {
  test('name their repository, file and commit', () => {
    expect(Object.keys(FLUX_CRD_SCHEMAS).sort()).toEqual([
      'helm.toolkit.fluxcd.io/v2 HelmRelease',
      'source.toolkit.fluxcd.io/v1 HelmRepository',
    ]);
    for (const { source } of Object.values(FLUX_CRD_SCHEMAS)) {
      expect(source.repository).toMatch(/^fluxcd\/(helm|source)-controller$/);
      expect(source.path).toMatch(/^(config\/crd\/bases\/.*\.yaml|api\/v1\/.*_types\.go)$/);
      expect(source.commit).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  test('every HelmRelease and HelmRepository in dist/ and in the helmrelease tests validates', async () => {
    const objects = written();
    expect(objects.filter((o) => o.object.kind === 'HelmRelease').length).toBeGreaterThanOrEqual(4);
    expect(objects.filter((o) => o.object.kind === 'HelmRepository').length).toBeGreaterThanOrEqual(4);
    for (const { where, object } of objects) expect(await validateObject(object as KubeObject), where).toEqual([]);
  });

  test('a field the GA version removed is refused, with the source named', async () => {
    const o = release();
    o.spec.chart.spec.valuesFile = 'values-prod.yaml'; // v2beta2 had it; v2 has only valuesFiles
    const issues = await validateObject(o as KubeObject);
    expect(issues.map((i) => `${i.rule} ${i.field}`)).toEqual(['unknown-field spec.chart.spec.valuesFile']);
    expect(issues[0]!.message).toBe(
      "field 'valuesFile' is not in the schema of 'spec.chart.spec' (helm.toolkit.fluxcd.io/v2 HelmRelease, fluxcd/helm-controller config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml@671c27c5d032)",
    );
    expect(issues[0]!.fix).toBe("did you mean 'valuesFiles'? Kubernetes would drop 'valuesFile'");
    // postRenderers' kustomize patchesStrategicMerge (removed in v2) is below a field whose schema is not copied.
    const p = release();
    p.spec.postRenderers = [{ kustomize: { patchesStrategicMerge: [{}] } }];
    const [trimmed] = await validateObject(p as KubeObject);
    expect(trimmed).toMatchObject({ rule: 'schema', field: 'spec.postRenderers' });
    expect(trimmed!.fix).toContain('copy its schema from fluxcd/helm-controller');
  });

  test.each([
    ['a misspelt field', (o: Obj) => (o.spec.chart.spec.verison = '40.0.0'), ['unknown-field spec.chart.spec.verison']],
    ['a misspelt top field', (o: Obj) => (o.spec.intervall = '5m'), ['unknown-field spec.intervall']],
    ['a misspelt metadata field', (o: Obj) => (o.metadata.lables = {}), ['unknown-field metadata.lables']],
    ['a number for a duration', (o: Obj) => (o.spec.interval = 7), ['schema spec.interval']],
    [
      'a duration Go cannot parse',
      (o: Obj) => (o.spec.chart.spec.interval = '1 hour'),
      ['schema spec.chart.spec.interval'],
    ],
    [
      'retries as a string',
      (o: Obj) => (o.spec.upgrade.remediation.retries = '3'),
      ['schema spec.upgrade.remediation.retries'],
    ],
    [
      'a valuesFrom kind not in the enum',
      (o: Obj) => (o.spec.valuesFrom[0].kind = 'Secrets'),
      ['schema spec.valuesFrom[0].kind'],
    ],
    [
      'a targetPath outside its pattern',
      (o: Obj) => (o.spec.valuesFrom[0].targetPath = 'config database'),
      ['schema spec.valuesFrom[0].targetPath'],
    ],
    [
      'a releaseName over 53 characters',
      (o: Obj) => (o.spec.releaseName = 'r'.repeat(54)),
      ['schema spec.releaseName'],
    ],
    [
      'a sourceRef kind not in the enum',
      (o: Obj) => (o.spec.chart.spec.sourceRef.kind = 'OCIRepository'),
      ['schema spec.chart.spec.sourceRef.kind'],
    ],
    ['no interval', (o: Obj) => delete o.spec.interval, ['schema spec.interval']],
    [
      'chart and chartRef both (the CRD rule)',
      (o: Obj) => (o.spec.chartRef = { kind: 'HelmChart', name: 'c' }),
      ['schema spec.chartRef', 'schema spec'],
    ],
    ['neither chart nor chartRef (the CRD rule)', (o: Obj) => delete o.spec.chart, ['schema spec']],
  ])('HelmRelease: %s is refused', async (_what, edit, expected) => {
    const o = release();
    edit(o);
    expect((await summary(o)).sort()).toEqual([...expected].sort());
  });

  test('the CRD rule names its message', async () => {
    const o = release();
    delete o.spec.chart;
    const [issue] = await validateObject(o as KubeObject);
    expect(issue!.message).toBe('either chart or chartRef must be set');
  });

  test.each([
    ['a misspelt field', (o: Obj) => (o.spec.intreval = '1h'), ['unknown-field spec.intreval']],
    ['a URL of another scheme', (o: Obj) => (o.spec.url = 'ftp://charts.example.org'), ['schema spec.url']],
    ['no URL', (o: Obj) => delete o.spec.url, ['schema spec.url']],
    [
      'a timeout in hours (the v1 pattern has ms, s, m only)',
      (o: Obj) => (o.spec.timeout = '1h'),
      ['schema spec.timeout'],
    ],
    ['a type not in the enum', (o: Obj) => (o.spec.type = 'OCI'), ['schema spec.type']],
    ['a secretRef without its name', (o: Obj) => (o.spec.secretRef = {}), ['schema spec.secretRef.name']],
  ])('HelmRepository: %s is refused', async (_what, edit, expected) => {
    const o = repository();
    edit(o);
    expect(await summary(o)).toEqual(expected);
  });

  test('fields of v2 we do not write but whose schema is copied validate (suspend, timeout, targetNamespace)', async () => {
    const o = release();
    Object.assign(o.spec, { suspend: false, timeout: '5m0s', targetNamespace: 'rucio', maxHistory: 5 });
    o.spec.upgrade.remediation.strategy = 'rollback';
    expect(await summary(o)).toEqual([]);
    expect(await summary(repository())).toEqual([]);
  });

  test('a CEL rule the check does not implement fails the compilation instead of being skipped', async () => {
    await expect(
      compileCrd({ type: 'object', 'x-kubernetes-validations': [{ rule: 'self.x > 1', message: 'x' }] }),
    ).rejects.toThrow('no implementation of the rule "self.x > 1"');
  });
});
