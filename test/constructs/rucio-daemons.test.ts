/**
 * RucioDaemons / RucioDaemon: the upstream object contract (names, selector, labels, env, args, mounts) and what we
 * do better (checksums, resources, pinned images, secrets by reference).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { daemonArgs } from '../../src/plan/releases.js';
import { DAEMONS, DAEMONS_BY_KEY } from '../../values/rucio-daemon-table.js';
import { rucioDaemonsSchema } from '../../values/rucio-daemons.js';
import { daemonsObjects, envOf, find, type Obj } from '../helpers.js';

const deployment = (objects: Obj[], name: string) => find(objects, 'Deployment', name);
const container = (d: Obj) => d.spec.template.spec.containers[0];

/** What bash makes of RUCIO_DAEMON_ARGS after the image's `eval`: one line per argument. */
function evalArgs(args: string): string[] {
  const out = execFileSync('bash', ['--norc', '-c', 'eval "set -- $ARGS"; printf "%s\\0" "$@"'], {
    env: { ARGS: args, PATH: process.env.PATH },
  }).toString();
  return out.split('\0').slice(0, -1);
}

describe('the daemon table', () => {
  it('has the 28 daemons of chart 40, each once', () => {
    expect(DAEMONS).toHaveLength(28);
    expect(new Set(DAEMONS.map((d) => d.valueKey)).size).toBe(28);
    expect(new Set(DAEMONS.map((d) => d.name)).size).toBe(28);
  });

  it('gives every daemon a Count and a block in the schema', () => {
    const shape = rucioDaemonsSchema.shape as Record<string, unknown>;
    for (const d of DAEMONS) {
      expect(shape[`${d.valueKey}Count`], d.valueKey).toBeDefined();
      expect(shape[d.valueKey], d.valueKey).toBeDefined();
    }
  });

  it.each([
    ['conveyorTransferSubmitter', 'conveyor-submitter', '--total-threads 3 --sleep-time 10'],
    ['conveyorPreparer', 'conveyor-preparer', '--threads 3'],
    ['automatix', 'automatix', '--threads-per-process 3 --sleep-time 30'],
    ['cacheConsumer', 'cache-consumer', '--num-thread 3'],
    ['undertaker', 'undertaker', '--total-workers 3'],
    ['tracerKronos', 'kronos', '--threads 3'],
    ['judgeEvaluator', 'judge-evaluator', '--threads 3'],
  ])('renders %s as rucio-%s with "%s"', (key, binary, flag) => {
    const objects = daemonsObjects({ [`${key}Count`]: 1, [key]: { threads: 3 } });
    const spec = DAEMONS_BY_KEY.get(key)!;
    const env = envOf(container(deployment(objects, `daemons-rucio-daemons-${spec.name}`)));
    expect(env.RUCIO_DAEMON).toBe(binary);
    expect(env.RUCIO_DAEMON_ARGS).toBe(flag);
  });

  it("renders the stager's bulk once (the chart emits it twice)", () => {
    const spec = DAEMONS_BY_KEY.get('conveyorStager')!;
    const block = rucioDaemonsSchema.parse({ conveyorStager: { bulk: 50 } }).conveyorStager as never;
    expect(daemonArgs(spec, block)).toBe('--total-threads 1 --bulk 50 --sleep-time 10');
  });

  it('emits switches only when on, and a numeric archive timeout', () => {
    const spec = DAEMONS_BY_KEY.get('conveyorTransferSubmitter')!;
    const on = rucioDaemonsSchema.parse({
      conveyorTransferSubmitter: { ignoreAvailability: true, retryOtherFts: 1, archiveTimeout: 3600 },
    });
    expect(daemonArgs(spec, on.conveyorTransferSubmitter as never)).toBe(
      '--total-threads 1 --sleep-time 10 --ignore-availability --retry-other-fts --archive-timeout-override 3600',
    );
    const off = rucioDaemonsSchema.parse({ conveyorTransferSubmitter: { ignoreAvailability: false } });
    expect(daemonArgs(spec, off.conveyorTransferSubmitter as never)).toBe('--total-threads 1 --sleep-time 10');
  });
});

describe("RUCIO_DAEMON_ARGS survives the image's eval", () => {
  it('keeps activities with spaces and quotes as single arguments', () => {
    const spec = DAEMONS_BY_KEY.get('conveyorTransferSubmitter')!;
    const v = rucioDaemonsSchema.parse({
      conveyorTransferSubmitter: { threads: 2, activities: ['User Subscriptions', 'Data Consolidation', 'T0 Export'] },
    });
    const args = daemonArgs(spec, v.conveyorTransferSubmitter as never);
    expect(evalArgs(args)).toEqual([
      '--total-threads',
      '2',
      '--sleep-time',
      '10',
      '--activities',
      'User Subscriptions',
      'Data Consolidation',
      'T0 Export',
    ]);
  });

  it("reads the chart's single-string form of activities", () => {
    const spec = DAEMONS_BY_KEY.get('conveyorPoller')!;
    const v = rucioDaemonsSchema.parse({ conveyorPoller: { activities: "'User Subscriptions' 'Express'" } });
    expect(evalArgs(daemonArgs(spec, v.conveyorPoller as never))).toEqual([
      '--total-threads',
      '1',
      '--activities',
      'User Subscriptions',
      'Express',
    ]);
  });

  it('keeps RSE expressions with & | \\ = and quotes intact', () => {
    const spec = DAEMONS_BY_KEY.get('reaper')!;
    const expression = "cms_type=real&rse_type=TAPE|reaper=True\\tier=1 $(touch /tmp/x) 'q'";
    const v = rucioDaemonsSchema.parse({ reaper: { includeRses: expression, greedy: 1 } });
    expect(evalArgs(daemonArgs(spec, v.reaper as never))).toEqual([
      '--greedy',
      '--threads',
      '4',
      '--include-rses',
      expression,
    ]);
  });
});

describe('RucioDaemons objects', () => {
  const values = {
    config: { common: { loglevel: 'INFO' }, database: { default: { secretKeyRef: { name: 'rucio-db', key: 'url' } } } },
    podLabels: { team: 'ddm' },
    conveyorFinisherCount: 2,
    conveyorFinisher: { threads: 4, config: { conveyor: { poll_timeout: 10 } }, podLabels: { tier: 'transfers' } },
    reaperCount: 1,
    judgeCleanerCount: 0,
  };
  const objects = daemonsObjects(values, 'daemonint');

  it('names objects <fullname>-<daemon>, fullname per Helm (release-chart)', () => {
    expect(
      objects
        .filter((o: Obj) => o.kind === 'Deployment')
        .map((o: Obj) => o.metadata.name)
        .sort(),
    ).toEqual(['daemonint-rucio-daemons-conveyor-finisher', 'daemonint-rucio-daemons-reaper']);
  });

  it('honours fullnameOverride, and a release that already holds the chart name', () => {
    expect(
      daemonsObjects({ fullnameOverride: 'daemonint', reaperCount: 1 }, 'x').some(
        (o: Obj) => o.metadata.name === 'daemonint-reaper',
      ),
    ).toBe(true);
    expect(
      daemonsObjects({ reaperCount: 1 }, 'my-rucio-daemons').some(
        (o: Obj) => o.metadata.name === 'my-rucio-daemons-reaper',
      ),
    ).toBe(true);
  });

  it('renders nothing for a daemon whose count is 0', () => {
    expect(objects.some((o: Obj) => o.metadata.name.includes('judge-cleaner'))).toBe(false);
  });

  it('selects pods by app and release, and labels them like the chart', () => {
    const d = deployment(objects, 'daemonint-rucio-daemons-conveyor-finisher');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'rucio-daemons-conveyor-finisher', release: 'daemonint' } });
    expect(d.spec.template.metadata.labels).toEqual({
      app: 'rucio-daemons-conveyor-finisher',
      'app-group': 'rucio-daemons',
      release: 'daemonint',
      'rucio-daemon': 'conveyor-finisher',
      team: 'ddm',
      tier: 'transfers',
    });
    expect(d.metadata.labels).toMatchObject({
      app: 'rucio-daemons-conveyor-finisher',
      'app-group': 'rucio-daemons',
      release: 'daemonint',
      chart: 'rucio-daemons-40.0.0',
    });
  });

  it('mounts the common and component config into conf.d and says so', () => {
    const d = deployment(objects, 'daemonint-rucio-daemons-conveyor-finisher');
    const c = container(d);
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        {
          name: 'config-common',
          mountPath: '/opt/rucio/etc/conf.d/10_common.json',
          subPath: 'common.json',
          readOnly: true,
        },
        {
          name: 'config-component',
          mountPath: '/opt/rucio/etc/conf.d/20_component.json',
          subPath: 'component.json',
          readOnly: true,
        },
      ]),
    );
    expect(d.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([
        { name: 'config-common', configMap: { name: 'daemonint-rucio-daemons.config.common' } },
        { name: 'config-component', configMap: { name: 'daemonint-rucio-daemons.config.conveyor-finisher' } },
      ]),
    );
    expect(envOf(c).RUCIO_OVERRIDE_CONFIGS).toBe('/opt/rucio/etc/conf.d/');
  });

  it('writes config into ConfigMaps as strings, and secrets only as secretKeyRef env vars', () => {
    const common = find(objects, 'ConfigMap', 'daemonint-rucio-daemons.config.common');
    expect(JSON.parse(common.data['common.json'])).toEqual({ common: { loglevel: 'INFO' } });
    const component = find(objects, 'ConfigMap', 'daemonint-rucio-daemons.config.conveyor-finisher');
    expect(JSON.parse(component.data['component.json'])).toEqual({ conveyor: { poll_timeout: '10' } });
    const env = envOf(container(deployment(objects, 'daemonint-rucio-daemons-reaper')));
    expect(env.RUCIO_CFG_DATABASE_DEFAULT).toEqual({ secretKeyRef: { name: 'rucio-db', key: 'url' } });
    expect(objects.some((o: Obj) => o.kind === 'Secret')).toBe(false);
  });

  it('maps underscored section aliases to the names Rucio reads', () => {
    const o = daemonsObjects({
      config: { messaging_hermes: { port: 61123, password: { secretKeyRef: { name: 'broker', key: 'pw' } } } },
      hermesCount: 1,
    });
    expect(JSON.parse(find(o, 'ConfigMap', 'daemons-rucio-daemons.config.common').data['common.json'])).toEqual({
      'messaging-hermes': { port: '61123' },
    });
    expect(envOf(container(deployment(o, 'daemons-rucio-daemons-hermes'))).RUCIO_CFG_MESSAGING_HERMES_PASSWORD).toEqual(
      { secretKeyRef: { name: 'broker', key: 'pw' } },
    );
  });

  it('gives every container requests and limits and a pinned image', () => {
    for (const d of objects.filter((o: Obj) => o.kind === 'Deployment')) {
      const c = container(d);
      expect(Object.keys(c.resources).sort()).toEqual(['limits', 'requests']);
      expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(c.image).toMatch(/^rucio\/rucio-daemons:release-\d+\.\d+\.\d+$/);
      expect(c.ports).toEqual([{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
    }
  });

  it('has a liveness probe on the metrics port when metrics are on', () => {
    const on = daemonsObjects({ config: { monitor: { enable_metrics: true } }, reaperCount: 1 });
    expect(container(deployment(on, 'daemons-rucio-daemons-reaper')).livenessProbe.httpGet).toEqual({
      path: '/metrics',
      port: 'metrics',
    });
    expect(container(deployment(objects, 'daemonint-rucio-daemons-reaper')).livenessProbe).toBeUndefined();
  });

  it('leaves replicas out when an autoscaler owns the Deployment', async () => {
    const { App, Chart } = await import('cdk8s');
    const { RucioDaemons } = await import('../../constructs/rucio/rucio-daemons.js');
    const { planDaemonsRelease } = await import('../../src/plan/releases.js');
    const chart = new Chart(new App({ outdir: '/nonexistent' }), 'c', { disableResourceNameHashes: true });
    const plan = planDaemonsRelease('d', rucioDaemonsSchema.parse({ reaperCount: 2 }) as never, new Set(['reaper']));
    new RucioDaemons(chart, 'R', { release: 'd', values: plan.values, daemons: plan.daemons });
    const d = find(chart.toJson(), 'Deployment', 'd-rucio-daemons-reaper');
    expect('replicas' in d.spec).toBe(false);
  });
});

describe('checksum/config', () => {
  const checksum = (values: unknown, name: string) =>
    deployment(daemonsObjects(values), name).spec.template.metadata.annotations['checksum/config'] as string;
  const base = { reaperCount: 1, undertakerCount: 1, config: { common: { loglevel: 'INFO' } } };

  it('changes every daemon when the common config changes', () => {
    const changed = { ...base, config: { common: { loglevel: 'DEBUG' } } };
    expect(checksum(changed, 'daemons-rucio-daemons-reaper')).not.toBe(checksum(base, 'daemons-rucio-daemons-reaper'));
    expect(checksum(changed, 'daemons-rucio-daemons-undertaker')).not.toBe(
      checksum(base, 'daemons-rucio-daemons-undertaker'),
    );
  });

  it('changes only the daemon whose component config changes', () => {
    const changed = { ...base, reaper: { config: { reaper: { chunk_size: 10 } } } };
    expect(checksum(changed, 'daemons-rucio-daemons-reaper')).not.toBe(checksum(base, 'daemons-rucio-daemons-reaper'));
    expect(checksum(changed, 'daemons-rucio-daemons-undertaker')).toBe(
      checksum(base, 'daemons-rucio-daemons-undertaker'),
    );
  });

  it('is a sha256', () => {
    expect(checksum(base, 'daemons-rucio-daemons-reaper')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('secrets and mounts', () => {
  it('prefixes secretName with the release and uses secretFullName verbatim', () => {
    const o = daemonsObjects(
      {
        secretMounts: [{ secretName: 'proxy', mountPath: '/opt/proxy' }],
        reaperCount: 1,
        reaper: { extraSecretMounts: [{ secretFullName: 'reaper-ca', mountPath: '/etc/grid-security/certificates' }] },
      },
      'rel',
    );
    const d = deployment(o, 'rel-rucio-daemons-reaper');
    expect(d.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([
        { name: 'proxy', secret: { secretName: 'rel-proxy' } },
        { name: 'reaper-ca', secret: { secretName: 'reaper-ca' } },
      ]),
    );
  });

  it("lets a daemon replace the release's secretMounts", () => {
    const o = daemonsObjects({
      secretMounts: [{ secretFullName: 'a', mountPath: '/a' }],
      reaperCount: 1,
      undertakerCount: 1,
      reaper: { secretMounts: [] },
    });
    expect(
      container(deployment(o, 'daemons-rucio-daemons-reaper')).volumeMounts.map((m: Obj) => m.mountPath),
    ).not.toContain('/a');
    expect(
      container(deployment(o, 'daemons-rucio-daemons-undertaker')).volumeMounts.map((m: Obj) => m.mountPath),
    ).toContain('/a');
  });

  it('mounts the upstream implicit Secrets only when asked to', () => {
    const off = daemonsObjects({ reaperCount: 1 }, 'rel');
    expect(deployment(off, 'rel-rucio-daemons-reaper').spec.template.spec.volumes.map((v: Obj) => v.name)).toEqual([
      'config-common',
      'config-component',
    ]);
    const on = daemonsObjects({ reaperCount: 1, useDeprecatedImplicitSecrets: true }, 'rel');
    expect(deployment(on, 'rel-rucio-daemons-reaper').spec.template.spec.volumes).toEqual(
      expect.arrayContaining([
        { name: 'rucio-x509up', secret: { secretName: 'rel-rucio-x509up' } },
        { name: 'rucio-ca-bundle-reaper', secret: { secretName: 'rel-rucio-ca-bundle-reaper' } },
      ]),
    );
  });

  it('fails if two mounts share a path', () => {
    expect(() =>
      daemonsObjects({
        reaperCount: 1,
        secretMounts: [
          { secretFullName: 'a', mountPath: '/x' },
          { secretFullName: 'b', mountPath: '/x' },
        ],
      }),
    ).toThrow(/mountPath '\/x' is already mounted from volume 'a'/);
  });

  it('fails if an env var is set twice', () => {
    expect(() => daemonsObjects({ reaperCount: 1, additionalEnvs: [{ name: 'RUCIO_DAEMON', value: 'x' }] })).toThrow(
      /env var 'RUCIO_DAEMON' is already set by the daemon table/,
    );
  });

  it('fails if podLabels would change the selector labels', () => {
    expect(() => daemonsObjects({ reaperCount: 1, podLabels: { app: 'x' } })).toThrow(
      /label 'app' is set by the release/,
    );
  });
});
