/**
 * Offline schema validation: Kubernetes and CRD kinds, schema errors, unknown fields (a misspelt field), unknown kinds.
 */
import { describe, expect, test } from 'vitest';
import { validateObject } from '../../src/checks/schema.js';
import type { KubeObject } from '../../src/synth/files.js';

const deployment = (container: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', 'any/label': 'x' }, annotations: { 'free.form/annotation': 'y' } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'web:1', ...container }] },
      },
    },
  }) as never;

const summary = async (o: KubeObject) => (await validateObject(o)).map((i) => `${i.rule} ${i.field}`);

describe('Kubernetes kinds', () => {
  test('a valid Deployment passes, with free-form maps (labels, annotations)', async () => {
    expect(await summary(deployment({ imagePullPolicy: 'IfNotPresent', resources: { limits: { cpu: '1' } } }))).toEqual(
      [],
    );
  });

  test('a misspelt field is an unknown field, with a suggestion', async () => {
    const issues = await validateObject(
      deployment({ imagePullPolcy: 'IfNotPresent', ports: [{ containerPort: 80, protcol: 'TCP' }] }),
    );
    expect(issues.map((i) => `${i.rule} ${i.field}`)).toEqual([
      'unknown-field spec.template.spec.containers[0].imagePullPolcy',
      'unknown-field spec.template.spec.containers[0].ports[0].protcol',
    ]);
    expect(issues[0]!.fix).toContain("did you mean 'imagePullPolicy'?");
    expect(issues[1]!.fix).toContain("did you mean 'protocol'?");
  });

  test('an unknown field at the top level and in metadata', async () => {
    const o = { ...deployment({}), sepc: {} } as KubeObject;
    (o.metadata as Record<string, unknown>).lables = {};
    expect(await summary(o)).toEqual(['unknown-field metadata.lables', 'unknown-field sepc']);
  });

  test('wrong types and missing required fields are schema errors naming the field', async () => {
    const bad = deployment({ ports: [{ containerPort: 'eighty' }] });
    (bad.spec as Record<string, unknown>).replicas = 'two';
    const issues = await summary(bad);
    expect(issues).toContain('schema spec.replicas');
    expect(issues).toContain('schema spec.template.spec.containers[0].ports[0].containerPort');
    const noSelector = deployment({});
    delete (noSelector.spec as Record<string, unknown>).selector;
    expect(await summary(noSelector)).toEqual(['schema spec.selector']);
  });

  test.each([
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80, targetPort: 'http' }], selector: { app: 'x' } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: {
        schedule: '0 * * * *',
        jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'c:1' }] } } } },
      },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'r' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
    },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {} } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec: { maxUnavailable: 1 } },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3 },
    },
  ])('$kind passes', async (o) => {
    expect(await summary(o as never)).toEqual([]);
  });
});

describe('custom resources', () => {
  test('a ServiceMonitor, a ScaledObject, a Flux Kustomization and a HelmRelease with free-form values pass', async () => {
    const objects = [
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'm' },
        spec: { selector: { matchLabels: { app: 'x' } }, endpoints: [{ port: 'metrics', interval: '30s' }] },
      },
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 's' },
        spec: {
          scaleTargetRef: { name: 'd' },
          minReplicaCount: 1,
          triggers: [
            { type: 'prometheus', metadata: { query: 'sum(x)', threshold: '10', serverAddress: 'http://p:9090' } },
          ],
        },
      },
      {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'k' },
        spec: {
          interval: '10m',
          path: './apps',
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'flux-system' },
        },
      },
      {
        apiVersion: 'helm.toolkit.fluxcd.io/v2beta2',
        kind: 'HelmRelease',
        metadata: { name: 'h' },
        spec: {
          interval: '1m',
          chart: { spec: { chart: 'c', sourceRef: { kind: 'HelmRepository', name: 'r' } } },
          values: { anything: { goes: [1, { here: true }] } },
        },
      },
    ];
    for (const o of objects) expect(await summary(o as never)).toEqual([]);
  });

  test('a misspelt field in a CRD object is an unknown field', async () => {
    const sm = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'm' },
      spec: { selector: {}, endpoints: [{ port: 'metrics', intervall: '30s' }] },
    };
    const issues = await validateObject(sm as never);
    expect(issues.map((i) => `${i.rule} ${i.field}`)).toEqual(['unknown-field spec.endpoints[0].intervall']);
    expect(issues[0]!.fix).toContain("'interval'");
    const so = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 's' },
      spec: { scaleTargetRef: { name: 'd' }, minReplicas: 1, triggers: [] },
    };
    expect(await summary(so as never)).toEqual(['unknown-field spec.minReplicas']);
  });
});

describe('unknown kinds', () => {
  test.each([
    ['apps/v1', 'Deploymnet'],
    ['bitnami.com/v1alpha1', 'SealedSecret'],
    ['v9', 'Service'],
    ['../../etc', 'Passwd'],
  ])('%s %s is an error', async (apiVersion, kind) => {
    const issues = await validateObject({ apiVersion, kind, metadata: { name: 'x' } } as never);
    expect(issues.map((i) => i.rule)).toEqual(['unknown-kind']);
    expect(issues[0]!.message).toContain(kind);
  });

  test('an unknown version of a known kind names the versions the models have', async () => {
    const [issue] = await validateObject({
      apiVersion: 'helm.toolkit.fluxcd.io/v3',
      kind: 'HelmRelease',
      metadata: { name: 'x' },
    } as never);
    expect(issue!.fix).toBe(
      'the models know HelmRelease as helm.toolkit.fluxcd.io/v2, helm.toolkit.fluxcd.io/v2beta1, helm.toolkit.fluxcd.io/v2beta2: use one of those, or add a model of this version',
    );
  });
});

describe('through synth', () => {
  test('a component that writes a misspelt field fails the checks, naming the file, object, field and fix', async () => {
    const { ApiObject } = await import('cdk8s');
    const { loadEnvironments } = await import('../../src/load/environments.js');
    const { COMPONENTS, renderEnvironments } = await import('../../src/synth/render.js');
    const { runChecks } = await import('../../src/checks/index.js');
    const envs = loadEnvironments('environments', ['production']);
    const typo = (ctx: Parameters<(typeof COMPONENTS)[number]>[0]) => {
      const chart = ctx.chart(`infrastructure/${ctx.env.name}/demo`, 'demo');
      new ApiObject(chart, 'Service', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'demo' },
        spec: { selector: { app: 'demo' }, ports: [{ port: 80, targetPrt: 8080 }] },
      } as never);
    };
    const files = renderEnvironments(envs, [...COMPONENTS, typo]);
    const report = await runChecks(envs, files, { out: 'dist', partial: true });
    expect(report.problems.map((p) => p.format())).toEqual([
      "dist/infrastructure/production/demo/Service.demo.k8s.yaml  Service/demo spec.ports[0].targetPrt: [unknown-field] field 'targetPrt' is not in the schema of 'spec.ports[0]': did you mean 'targetPort'? Kubernetes would drop or reject 'targetPrt'",
    ]);
  });
});
