/** KEDA ScaledObjects for the backlog daemons, CPU HPAs for servers, and Deployments without `replicas` under them. */
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { beforeAll, describe, expect, it } from 'vitest';
import { type KubeObject, type RenderedFolder } from '../../src/synth/files.js';
import { buildEnvironment } from '../../src/synth/render.js';
import { bundled, envFiles, find, loadFrom, objects, problemsOf } from './helpers.js';

interface Trigger {
  type: string;
  metricType: string;
  metadata: Record<string, string>;
}
interface ScaledSpec {
  scaleTargetRef: { name: string; kind: string };
  minReplicaCount: number;
  maxReplicaCount: number;
  cooldownPeriod: number;
  pollingInterval: number;
  triggers: Trigger[];
  advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { stabilizationWindowSeconds: number } } } };
}
const spec = (o: KubeObject) => o.spec as ScaledSpec;

const STAGES = ['conveyor-submitter', 'conveyor-poller', 'conveyor-finisher', 'reaper'];

describe('production autoscaling', () => {
  let folders: RenderedFolder[];
  beforeAll(() => {
    folders = buildEnvironment(bundled('production'));
  });

  it('has one ScaledObject per backlog daemon, in the release folder, valid for KEDA', () => {
    const scaled = objects(folders).filter((o) => o.kind === 'ScaledObject');
    expect(scaled.map((o) => o.metadata.name).sort()).toEqual(STAGES.map((s) => `daemonprod-${s}`).sort());
    for (const o of scaled) {
      expect(o.folder).toBe('apps/production/daemonprod');
      expect(o.metadata.namespace).toBe('rucio');
      expect(() => new ScaledObject(o as never).validate()).not.toThrow();
      expect(spec(o).scaleTargetRef).toMatchObject({ kind: 'Deployment', name: o.metadata.name });
    }
  });

  it('keeps the seed bounds with room to grow: 2 pods at rest as in the seed, up to 4, with cool-down', () => {
    for (const s of STAGES) {
      const o = spec(find(folders, 'ScaledObject', `daemonprod-${s}`));
      expect(o.minReplicaCount).toBe(2);
      expect(o.maxReplicaCount).toBe(4);
      expect(o.cooldownPeriod).toBe(300);
      expect(o.pollingInterval).toBe(30);
    }
  });

  it('scales each conveyor stage on its own state of the request queue, and the reaper on the deletion backlog', () => {
    const trigger = (s: string) => spec(find(folders, 'ScaledObject', `daemonprod-${s}`)).triggers[0]!;
    for (const s of STAGES) {
      expect(trigger(s)).toMatchObject({ type: 'prometheus', metricType: 'AverageValue' });
      expect(trigger(s).metadata.serverAddress).toBe('http://prometheus-operated.monitoring.svc:9090');
    }
    expect(trigger('conveyor-submitter').metadata.query).toBe(
      'sum(conveyor_queues_requests{state="queued"}) or vector(0)',
    );
    expect(trigger('conveyor-poller').metadata.query).toBe(
      'sum(conveyor_queues_requests{state="submitted"}) or vector(0)',
    );
    expect(trigger('conveyor-finisher').metadata.query).toBe(
      'sum(conveyor_queues_requests{state=~"done|failed"}) or vector(0)',
    );
    expect(trigger('reaper').metadata.query).toBe('sum(rucio_probes_judge_deletable_files) or vector(0)');
    expect(trigger('reaper').metadata.threshold).toBe('500000');
  });

  it('expresses the seed order: submitters first, then pollers, then finishers', () => {
    const order = ['conveyor-submitter', 'conveyor-poller', 'conveyor-finisher'].map((s) =>
      spec(find(folders, 'ScaledObject', `daemonprod-${s}`)),
    );
    const delays = order.map(
      (o) => o.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.stabilizationWindowSeconds,
    );
    const activation = order.map((o) => Number(o.triggers[0]!.metadata.activationThreshold));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(new Set(delays).size).toBe(3);
    expect(activation).toEqual([...activation].sort((a, b) => a - b));
    expect(new Set(activation).size).toBe(3);
  });

  it('leaves replicas out of the scaled Deployments only', () => {
    for (const o of objects(folders).filter((x) => x.kind === 'Deployment')) {
      const scaled = STAGES.some((s) => o.metadata.name === `daemonprod-${s}`);
      const replicas = (o.spec as { replicas?: number }).replicas;
      if (scaled) expect(replicas, o.metadata.name).toBeUndefined();
      else expect(replicas, o.metadata.name).toBeGreaterThan(0);
    }
  });

  it('the KEDA schema check is real: a ScaledObject without a target is refused', () => {
    const o = find(folders, 'ScaledObject', 'daemonprod-reaper');
    const broken = { ...o, spec: { ...(o.spec as object), scaleTargetRef: undefined } };
    expect(() => new ScaledObject(broken as never).validate()).toThrow();
  });
});

const SERVER = `servers:
  api:
    replicaCount: 2
daemons:
  d:
    conveyorTransferSubmitterCount: 1
    conveyorPollerCount: 1
    hermesCount: 1
`;

/** The fixture without the counts of the workloads an autoscaling entry deploys (a count there is an error). */
const withoutCounts = (...keys: string[]) =>
  keys.reduce((t, k) => t.replace(new RegExp(`\\n {4}${k}: \\d+(?=\\n)`), ''), SERVER);

describe('autoscaling from environment values', () => {
  it('gives servers a CPU HPA and takes replicas away from their Deployment', () => {
    const folders = buildEnvironment(
      loadFrom(
        envFiles(
          `${withoutCounts('replicaCount')}autoscaling:\n  servers:\n    api: {minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 60}\n`,
        ),
        'test',
      ),
    );
    const hpa = find(folders, 'HorizontalPodAutoscaler', 'api-rucio-server');
    expect(hpa.folder).toBe('apps/test/api');
    expect(() => new HorizontalPodAutoscaler(hpa as never).validate()).not.toThrow();
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'api-rucio-server' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      ],
    });
    expect((find(folders, 'Deployment', 'api-rucio-server').spec as { replicas?: number }).replicas).toBeUndefined();
    expect(
      (find(folders, 'Deployment', 'd-rucio-daemons-conveyor-submitter').spec as { replicas?: number }).replicas,
    ).toBe(1);
  });

  it('takes per-environment queries, thresholds and timings', () => {
    const folders = buildEnvironment(
      loadFrom(
        envFiles(`${withoutCounts('conveyorPollerCount')}autoscaling:
  prometheusAddress: http://prom.example.svc:9090
  daemons:
    d:
      conveyorPoller: {minReplicas: 2, maxReplicas: 3, threshold: 500, activationThreshold: 10, query: 'sum(my_backlog)', cooldownPeriod: 60, scaleUpDelaySeconds: 30}
`),
        'test',
      ),
    );
    const o = find(folders, 'ScaledObject', 'd-rucio-daemons-conveyor-poller');
    expect(() => new ScaledObject(o as never).validate()).not.toThrow();
    expect(spec(o)).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 3, cooldownPeriod: 60 });
    expect(spec(o).triggers[0]!.metadata).toEqual({
      serverAddress: 'http://prom.example.svc:9090',
      query: 'sum(my_backlog)',
      threshold: '500',
      activationThreshold: '10',
    });
    expect(spec(o).advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.stabilizationWindowSeconds).toBe(30);
    expect(objects(folders).filter((x) => x.kind === 'ScaledObject')).toHaveLength(1);
    expect(
      (find(folders, 'Deployment', 'd-rucio-daemons-conveyor-poller').spec as { replicas?: number }).replicas,
    ).toBeUndefined();
  });

  it('reports scalers of releases that do not exist, and bad bounds, with file and line', () => {
    const problems = problemsOf(
      envFiles(`${withoutCounts('conveyorPollerCount')}autoscaling:
  daemons:
    d:
      reaper: {maxReplicas: 2}
      conveyorPoller: {minReplicas: 5, maxReplicas: 2}
    nosuch:
      reaper: {maxReplicas: 2}
  servers:
    web: {maxReplicas: 2}
`),
      'test',
    );
    expect(problems.join('\n')).toMatch(
      /autoscaling\.daemons\.d\.conveyorPoller\.minReplicas: minReplicas must not exceed maxReplicas/,
    );
    expect(problems.join('\n')).toMatch(/autoscaling\.daemons\.nosuch: no daemons release 'nosuch'/);
    expect(problems.join('\n')).toMatch(/autoscaling\.servers\.web: no server release 'web'/);
  });

  it('an autoscaling entry deploys its daemon: the count is minReplicas, the Deployment has no replicas', () => {
    const folders = buildEnvironment(
      loadFrom(
        envFiles(`${SERVER}autoscaling:\n  daemons:\n    d:\n      reaper: {minReplicas: 3, maxReplicas: 5}\n`),
        'test',
      ),
    );
    expect(find(folders, 'ScaledObject', 'd-rucio-daemons-reaper').spec).toMatchObject({ minReplicaCount: 3 });
    expect(
      (find(folders, 'Deployment', 'd-rucio-daemons-reaper').spec as { replicas?: number }).replicas,
    ).toBeUndefined();
  });

  it('a count or replicaCount beside an autoscaling entry is an error naming the entry and the scale to change', () => {
    const problems = problemsOf(
      envFiles(
        `${SERVER}autoscaling:\n  daemons:\n    d:\n      conveyorPoller: {maxReplicas: 3}\n  servers:\n    api: {minReplicas: 2, maxReplicas: 6}\n`,
      ),
      'test',
    ).join('\n');
    expect(problems).toMatch(
      /test\.yaml:9 {2}daemons\.d\.conveyorPollerCount: conveyorPoller is autoscaled by autoscaling\.daemons\.d\.conveyorPoller \(KEDA, minReplicas 1 \(default\), maxReplicas 3\), which owns its replicas, so conveyorPollerCount would change nothing: remove conveyorPollerCount \(the autoscaling entry deploys the daemon\) and change minReplicas\/maxReplicas there instead/,
    );
    expect(problems).toMatch(
      /test\.yaml:5 {2}servers\.api\.replicaCount: server release 'api' is autoscaled by autoscaling\.servers\.api \(HPA, minReplicas 2, maxReplicas 6\), which owns its replicas, so replicaCount would change nothing: remove replicaCount and change minReplicas\/maxReplicas there instead/,
    );
    // A count of 0 ("not deployed") is refused the same way: remove the autoscaling entry to not deploy the daemon.
    expect(
      problemsOf(
        envFiles(`${SERVER}    reaperCount: 0\nautoscaling:\n  daemons:\n    d:\n      reaper: {maxReplicas: 2}\n`),
        'test',
      ).join('\n'),
    ).toMatch(/daemons\.d\.reaperCount: reaper is autoscaled by autoscaling\.daemons\.d\.reaper/);
  });

  it('refuses daemons that cannot be autoscaled and a missing maxReplicas', () => {
    const problems = problemsOf(
      envFiles(
        `${withoutCounts('conveyorTransferSubmitterCount')}autoscaling:\n  daemons:\n    d:\n      hermes: {maxReplicas: 2}\n      conveyorTransferSubmitter: {minReplicas: 1}\n`,
      ),
      'test',
    );
    expect(problems.join('\n')).toMatch(/autoscaling\.daemons\.d.*hermes/);
    expect(problems.join('\n')).toMatch(/autoscaling\.daemons\.d\.conveyorTransferSubmitter\.maxReplicas/);
  });
});
