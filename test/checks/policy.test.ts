/**
 * Each rule of the policy pack fails on a crafted bad object and passes on a good one.
 */
import { describe, expect, test } from 'vitest';
import { policyViolations, imageProblem, type PlacedObject } from '../../src/checks/policy.js';
import { declare } from '../../constructs/shared/declarations.js';
import type { KubeObject } from '../../src/synth/files.js';

const clone = <T>(v: T): T => structuredClone(v);

/** A Deployment that keeps every rule. */
function goodDeployment(): KubeObject & { spec: any; metadata: any } {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'rucio' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 1000 },
          containers: [
            {
              name: 'web',
              image: 'registry.example.org/web:1.2.3',
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
              readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
              livenessProbe: { httpGet: { path: '/live', port: 8080 } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
            },
          ],
        },
      },
    },
  } as never;
}

function rulesOf(...objects: KubeObject[]): string[] {
  const placed: PlacedObject[] = objects.map((object, i) => ({ path: `apps/test/r/${i}.k8s.yaml`, object }));
  return [...policyViolations(placed).values()]
    .flat()
    .map((v) => `${v.rule} ${v.field}`)
    .sort();
}

const container = (d: ReturnType<typeof goodDeployment>) => d.spec.template.spec.containers[0];

describe('a good Deployment', () => {
  test('passes every rule', () => {
    expect(rulesOf(goodDeployment())).toEqual([]);
  });
});

describe('resources', () => {
  test('fails without a memory limit, or without requests', () => {
    const d = goodDeployment();
    delete container(d).resources.limits.memory;
    expect(rulesOf(d)).toEqual(['resources spec.template.spec.containers[0].resources']);
    const e = goodDeployment();
    delete container(e).resources.requests;
    expect(rulesOf(e)).toEqual(['resources spec.template.spec.containers[0].resources']);
  });
  test('applies to init containers and to CronJob pods', () => {
    const d = goodDeployment();
    d.spec.template.spec.initContainers = [{ ...clone(container(d)), name: 'init', resources: {} }];
    expect(rulesOf(d)).toEqual(['resources spec.template.spec.initContainers[0].resources']);
    const c = goodDeployment();
    delete container(c).resources.limits.cpu;
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: c.spec.template } } },
    } as never;
    expect(rulesOf(cron)).toEqual(['resources spec.jobTemplate.spec.template.spec.containers[0].resources']);
  });
});

describe('image-tag', () => {
  test.each([
    ['registry.example.org/web', 'no tag'],
    ['registry.example.org/web:latest', 'moving tag'],
    ['registry.example.org:5000/web', 'no tag'],
    ['', 'no image'],
  ])('fails on %j (%s)', (image, what) => {
    const d = goodDeployment();
    container(d).image = image;
    expect(rulesOf(d)).toEqual(['image-tag spec.template.spec.containers[0].image']);
    expect(imageProblem(image)).toContain(what);
  });
  test.each(['registry.example.org:5000/web:1.0', `web@sha256:${'a'.repeat(64)}`, 'rucio/rucio-server:release-36.2.0'])(
    'passes on %j',
    (image) => {
      expect(imageProblem(image)).toBeUndefined();
    },
  );
});

describe('probes', () => {
  test('fails for a long-running container without readiness or liveness', () => {
    const d = goodDeployment();
    delete container(d).readinessProbe;
    expect(rulesOf(d)).toEqual(['probes spec.template.spec.containers[0]']);
  });
  test('passes when the component declares that the image has no signal', () => {
    const d = goodDeployment();
    delete container(d).readinessProbe;
    delete container(d).livenessProbe;
    d.metadata.annotations = declare('no-probe-signal', ['web']);
    expect(rulesOf(d)).toEqual([]);
  });
  test('does not apply to Jobs and CronJobs', () => {
    const d = goodDeployment();
    delete container(d).readinessProbe;
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: { template: d.spec.template },
    } as never;
    expect(rulesOf(job)).toEqual([]);
  });
});

describe('privilege-escalation', () => {
  test('fails unless allowPrivilegeEscalation is false, and on privileged', () => {
    const d = goodDeployment();
    delete container(d).securityContext.allowPrivilegeEscalation;
    expect(rulesOf(d)).toEqual([
      'privilege-escalation spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation',
    ]);
    const p = goodDeployment();
    container(p).securityContext.privileged = true;
    expect(rulesOf(p)).toEqual(['privilege-escalation spec.template.spec.containers[0].securityContext.privileged']);
  });
});

describe('run-as-non-root', () => {
  test('fails without runAsNonRoot, or with user 0', () => {
    const d = goodDeployment();
    delete d.spec.template.spec.securityContext;
    expect(rulesOf(d)).toEqual(['run-as-non-root spec.template.spec.containers[0].securityContext.runAsNonRoot']);
    const r = goodDeployment();
    container(r).securityContext.runAsUser = 0;
    expect(rulesOf(r)).toEqual(['run-as-non-root spec.template.spec.containers[0].securityContext.runAsNonRoot']);
  });
  test('the container setting wins over the pod', () => {
    const d = goodDeployment();
    container(d).securityContext.runAsNonRoot = false;
    expect(rulesOf(d)).toEqual(['run-as-non-root spec.template.spec.containers[0].securityContext.runAsNonRoot']);
  });
});

describe('read-only-root-fs', () => {
  test('fails without readOnlyRootFilesystem', () => {
    const d = goodDeployment();
    container(d).securityContext.readOnlyRootFilesystem = false;
    expect(rulesOf(d)).toEqual([
      'read-only-root-fs spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
    ]);
  });
});

describe("an image's needs, declared by its construct with the reason", () => {
  const rootImage = () => {
    const d = goodDeployment();
    delete d.spec.template.spec.securityContext;
    container(d).securityContext.readOnlyRootFilesystem = false;
    return d;
  };
  test('lift run-as-non-root and read-only-root-fs for the named container only', () => {
    const d = rootImage();
    d.metadata.annotations = {
      ...declare('runs-as-root', ['web'], 'the image merges its config as root'),
      ...declare('writable-root-fs', ['web'], 'the entrypoint writes its config into /etc'),
    };
    expect(rulesOf(d)).toEqual([]);
    d.metadata.annotations = declare('runs-as-root', ['sidecar'], 'the image merges its config as root');
    expect(rulesOf(d)).toEqual([
      'read-only-root-fs spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'run-as-non-root spec.template.spec.containers[0].securityContext.runAsNonRoot',
    ]);
  });
  test('count for nothing without a reason', () => {
    const d = rootImage();
    const annotations = {
      ...declare('runs-as-root', ['web'], 'x'),
      ...declare('writable-root-fs', ['web'], 'y'),
    };
    for (const k of Object.keys(annotations)) if (k.endsWith('.reason')) annotations[k] = ' ';
    d.metadata.annotations = annotations;
    expect(rulesOf(d)).toEqual([
      'read-only-root-fs spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'run-as-non-root spec.template.spec.containers[0].securityContext.runAsNonRoot',
    ]);
  });
});

describe('host-path', () => {
  const withHostPath = () => {
    const d = goodDeployment();
    Object.assign(d, { kind: 'DaemonSet' });
    d.spec.template.spec.volumes = [
      { name: 'varlog', hostPath: { path: '/var/log' } },
      { name: 'data', emptyDir: {} },
    ];
    return d;
  };
  test('fails on an undeclared hostPath volume', () => {
    expect(rulesOf(withHostPath())).toEqual(['host-path spec.template.spec.volumes[0].hostPath']);
  });
  test('passes when the component declares the volume, and only that one', () => {
    const d = withHostPath();
    d.metadata.annotations = declare('host-path', ['varlog']);
    expect(rulesOf(d)).toEqual([]);
    d.spec.template.spec.volumes.push({ name: 'root', hostPath: { path: '/' } });
    expect(rulesOf(d)).toEqual(['host-path spec.template.spec.volumes[2].hostPath']);
  });
});

describe('rbac-wildcards', () => {
  const role = (rules: unknown[]) =>
    ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules }) as never;
  test('fails on * in verbs, resources or apiGroups', () => {
    expect(rulesOf(role([{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }]))).toEqual([
      'rbac-wildcards rules[0].verbs',
    ]);
    expect(rulesOf(role([{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }]))).toEqual([
      'rbac-wildcards rules[0].apiGroups',
      'rbac-wildcards rules[0].resources',
    ]);
  });
  test('passes on listed verbs and resources', () => {
    expect(rulesOf(role([{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }]))).toEqual([]);
  });
});

describe('rbac-bindings', () => {
  const binding = (kind: string, name: string) =>
    ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
      subjects: [],
    }) as never;
  test.each(['cluster-admin', 'admin', 'edit'])('fails on binding the ClusterRole %s', (name) => {
    expect(rulesOf(binding('ClusterRole', name))).toEqual(['rbac-bindings roleRef.name']);
  });
  test('passes on binding an own Role', () => {
    expect(rulesOf(binding('Role', 'restart'))).toEqual([]);
    expect(rulesOf(binding('ClusterRole', 'view'))).toEqual([]);
  });
});

describe('autoscaler-replicas', () => {
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'rucio' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 3,
    },
  } as never;
  const scaled = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'web', namespace: 'rucio' },
    spec: { scaleTargetRef: { name: 'web' }, triggers: [] },
  } as never;
  test('fails when an HPA or a ScaledObject targets a Deployment that sets replicas', () => {
    const d = goodDeployment();
    d.spec.replicas = 2;
    expect(rulesOf(d, hpa)).toEqual(['autoscaler-replicas spec.replicas']);
    expect(rulesOf(d, scaled)).toEqual(['autoscaler-replicas spec.replicas']);
  });
  test('passes without replicas, or without an autoscaler', () => {
    expect(rulesOf(goodDeployment(), hpa)).toEqual([]);
    const d = goodDeployment();
    d.spec.replicas = 2;
    expect(rulesOf(d)).toEqual([]);
    const other = goodDeployment();
    other.metadata.namespace = 'elsewhere';
    other.spec.replicas = 2;
    expect(rulesOf(other, hpa)).toEqual([]);
  });
});
