// A construct builds from its typed props alone: no environment file, no key path, no plan stage. What the plan would
// resolve (env vars, volumes, mounts) is written here by hand, and the objects carry exactly that.
import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { RucioDaemons } from '../../constructs/rucio/rucio-daemons.js';
import { ServerAutoscaler } from '../../constructs/autoscaling/server-autoscaler.js';
import { serverScalerSchema } from '../../values/autoscaling.js';
import { DAEMONS_BY_KEY } from '../../values/rucio-daemon-table.js';
import { rucioDaemonsSchema, type RucioDaemonsValues } from '../../values/rucio-daemons.js';
import { find, type Obj } from '../helpers.js';

const chart = () =>
  new Chart(new App({ outdir: '/nonexistent' }), 'props', { namespace: 'rucio', disableResourceNameHashes: true });

describe('a construct from props alone', () => {
  it('RucioDaemons writes the Deployment of a daemon from its planned pod, as given', () => {
    const c = chart();
    const values = rucioDaemonsSchema.parse({ reaperCount: 3 }) as RucioDaemonsValues;
    const spec = DAEMONS_BY_KEY.get('reaper')!;
    const release = new RucioDaemons(c, 'Release', {
      release: 'prod',
      values,
      daemons: [
        {
          spec,
          replicas: 3,
          pod: {
            env: [
              { name: 'RUCIO_DAEMON', value: 'reaper' },
              { name: 'FROM_PROPS', value: 'yes' },
            ],
            volumes: [{ name: 'scratch', emptyDir: {} }],
            volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
          },
        },
      ],
    });
    expect(release.fullname).toBe('prod-rucio-daemons');
    expect([...release.daemons.keys()]).toEqual(['reaper']);
    const objects: Obj[] = c.toJson();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/prod-rucio-daemons.config.common',
      'ConfigMap/prod-rucio-daemons.config.reaper',
      'Deployment/prod-rucio-daemons-reaper',
    ]);
    const deployment = find(objects, 'Deployment', 'prod-rucio-daemons-reaper');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'rucio-daemons-reaper', release: 'prod' });
    const container = deployment.spec.template.spec.containers[0];
    expect(container.env).toEqual([
      { name: 'RUCIO_DAEMON', value: 'reaper' },
      { name: 'FROM_PROPS', value: 'yes' },
    ]);
    expect(container.volumeMounts).toEqual([{ name: 'scratch', mountPath: '/scratch' }]);
    expect(deployment.spec.template.spec.volumes).toEqual([{ name: 'scratch', emptyDir: {} }]);
  });

  it('never checks values itself: two env vars of one name are the plan stage’s error, not the construct’s', () => {
    const c = chart();
    const values = rucioDaemonsSchema.parse({ undertakerCount: 1 }) as RucioDaemonsValues;
    const twice = [
      { name: 'X', value: '1' },
      { name: 'X', value: '2' },
    ];
    expect(
      () =>
        new RucioDaemons(c, 'Release', {
          release: 'r',
          values,
          daemons: [
            {
              spec: DAEMONS_BY_KEY.get('undertaker')!,
              replicas: 1,
              autoscaled: true,
              pod: { env: twice, volumes: [], volumeMounts: [] },
            },
          ],
        }),
    ).not.toThrow();
    const deployment = find(c.toJson(), 'Deployment', 'r-rucio-daemons-undertaker');
    expect(deployment.spec.template.spec.containers[0].env).toEqual(twice);
    expect('replicas' in deployment.spec).toBe(false);
  });

  it('ServerAutoscaler writes an HPA for the named Deployment', () => {
    const c = chart();
    new ServerAutoscaler(c, 'Hpa', {
      deployment: 'srv-rucio-server',
      scaler: serverScalerSchema.parse({ minReplicas: 2, maxReplicas: 5 }),
      labels: { app: 'rucio-server', release: 'srv' },
    });
    const hpa = find(c.toJson(), 'HorizontalPodAutoscaler', 'srv-rucio-server');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'srv-rucio-server' });
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(5);
  });
});
