/** Metrics on by default, and the scraping objects (or annotations) for every server and daemon. */
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { describe, expect, it } from 'vitest';
import type { LoadedEnvironment } from '../../src/load/environments.js';
import { type KubeObject } from '../../src/synth/files.js';
import { buildEnvironment } from '../../src/synth/render.js';
import { pushgatewaySchema } from '../../values/pushgateway.js';
import { bundled, envFiles, find, loadFrom, objects, problemsOf } from './helpers.js';

type Pod = {
  metadata: { annotations?: Record<string, string> };
  spec: {
    containers: {
      name: string;
      ports?: { name: string; containerPort: number }[];
      env?: { name: string; value?: string }[];
    }[];
  };
};
const template = (o: KubeObject) => (o.spec as { template: Pod }).template;
const monitorSpec = (o: KubeObject) =>
  o.spec as {
    selector: {
      matchLabels: Record<string, string>;
      matchExpressions?: { key: string; operator: string; values: string[] }[];
    };
    namespaceSelector: { matchNames: string[] };
    podMetricsEndpoints?: {
      port: string;
      path: string;
      relabelings: { sourceLabels: string[]; targetLabel: string }[];
    }[];
    endpoints?: { port: string; honorLabels?: boolean }[];
  };

const BOTH = `servers:
  api: {}
daemons:
  d:
    conveyorTransferSubmitterCount: 1
    reaperCount: 1
    hermesCount: 1
    hermes:
      config:
        monitor: {enable_metrics: false}
`;

function withPushgateway(env: LoadedEnvironment): LoadedEnvironment {
  return { ...env, values: { ...env.values, pushgateway: pushgatewaySchema.parse({}) } };
}

describe('metrics on by default', () => {
  it('turns on Rucio metrics on port 8080 for every daemon of the bundled environments', () => {
    let configs = 0;
    let deployments = 0;
    for (const name of ['integration', 'production']) {
      for (const o of objects(buildEnvironment(bundled(name)))) {
        if (
          o.kind === 'ConfigMap' &&
          o.metadata.name.endsWith('.config.common') &&
          !o.metadata.name.includes('rucio-server') &&
          !o.metadata.name.startsWith('rucio-probes')
        ) {
          configs++;
          expect(
            JSON.parse((o as { data: Record<string, string> }).data['common.json']!).monitor,
            o.metadata.name,
          ).toMatchObject({ enable_metrics: 'True', metrics_port: '8080' });
        }
        if (o.kind === 'Deployment' && o.metadata.labels?.['app-group' as never] === 'rucio-daemons') {
          deployments++;
          const c = template(o).spec.containers[0] as { livenessProbe?: { httpGet?: { path: string } } };
          expect(c.livenessProbe?.httpGet?.path, o.metadata.name).toBe('/metrics');
        }
      }
    }
    expect(configs).toBe(3);
    expect(deployments).toBe(15 + 11 + 15);
  });

  it('serves server metrics on 8081 and the apache exporter on 8080, without enable_metrics in the server config', () => {
    const folders = buildEnvironment(bundled('integration'));
    const pod = template(find(folders, 'Deployment', 'serverint-rucio-server'));
    const server = pod.spec.containers.find((c) => c.name === 'rucio-server')!;
    expect(server.ports).toContainEqual(expect.objectContaining({ name: 'metrics', containerPort: 8081 }));
    expect(server.env).toContainEqual({ name: 'RUCIO_METRICS_PORT', value: '8081' });
    expect(pod.spec.containers.find((c) => c.name === 'apache-exporter')!.ports).toEqual([
      { name: 'exporter', containerPort: 8080, protocol: 'TCP' },
    ]);
    const config = JSON.parse(
      (find(folders, 'ConfigMap', 'serverint-rucio-server.config.common') as { data: Record<string, string> }).data[
        'common.json'
      ]!,
    );
    expect(config.monitor?.enable_metrics).toBeUndefined();
    expect(config.monitor?.metrics_port).toBeUndefined();
  });

  it('keeps what the environment sets, and refuses what cannot work', () => {
    const off = buildEnvironment(
      loadFrom(
        envFiles('daemons:\n  d:\n    config:\n      monitor: {enable_metrics: false}\n    reaperCount: 1\n'),
        'test',
      ),
    );
    expect(
      JSON.parse(
        (find(off, 'ConfigMap', 'd-rucio-daemons.config.common') as { data: Record<string, string> }).data[
          'common.json'
        ]!,
      ).monitor,
    ).toEqual({ enable_metrics: 'False', metrics_port: '8080' });
    expect(
      problemsOf(
        envFiles('daemons:\n  d:\n    config:\n      monitor: {metrics_port: 9000}\n    reaperCount: 1\n'),
        'test',
      ).join('\n'),
    ).toMatch(
      /test\.yaml:\d+\s+daemons\.d\.config\.monitor\.metrics_port: received 9000, but the daemon container's metrics port is 8080/,
    );
    expect(
      problemsOf(envFiles('servers:\n  api:\n    config:\n      monitor: {enable_metrics: true}\n'), 'test').join('\n'),
    ).toMatch(/servers\.api\.config\.monitor\.enable_metrics: a server must not set \[monitor\] enable_metrics/);
  });
});

describe('Prometheus Operator scraping', () => {
  it('has a PodMonitor for the production daemons, selecting each deployed daemon, with the Prometheus labels', () => {
    const folders = buildEnvironment(bundled('production'));
    const pm = find(folders, 'PodMonitor', 'daemonprod-daemons');
    expect(pm.folder).toBe('infrastructure/production/monitoring');
    expect(() => new PodMonitor(pm as never).validate()).not.toThrow();
    expect(pm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    const deployed = objects(folders)
      .filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app-group'] === 'rucio-daemons')
      .map((o) => template(o))
      .map((t) => (t.metadata as { labels: Record<string, string> }).labels['rucio-daemon']!)
      .sort();
    expect(deployed).toHaveLength(15);
    const s = monitorSpec(pm);
    expect(s.selector.matchLabels).toEqual({ 'app-group': 'rucio-daemons', release: 'daemonprod' });
    expect(s.selector.matchExpressions).toEqual([{ key: 'rucio-daemon', operator: 'In', values: deployed }]);
    expect(s.namespaceSelector).toEqual({ matchNames: ['rucio'] });
    expect(s.podMetricsEndpoints![0]).toMatchObject({ port: 'metrics', path: '/metrics' });
    expect(s.podMetricsEndpoints![0]!.relabelings.map((r) => `${r.sourceLabels[0]}→${r.targetLabel}`)).toEqual([
      '__meta_kubernetes_pod_label_app→app',
      '__meta_kubernetes_pod_label_release→release',
      '__meta_kubernetes_pod_label_rucio_daemon→rucio_daemon',
    ]);
    // Every deployed daemon's pods carry the port the PodMonitor scrapes.
    for (const o of objects(folders).filter(
      (x) => x.kind === 'Deployment' && x.metadata.labels?.['app-group' as never] === 'rucio-daemons',
    )) {
      expect(template(o).spec.containers[0]!.ports).toContainEqual(
        expect.objectContaining({ name: 'metrics', containerPort: 8080 }),
      );
    }
    // The environment's Pushgateway is scraped with honorLabels.
    expect(monitorSpec(find(folders, 'ServiceMonitor', 'pushgateway')).endpoints).toEqual([
      expect.objectContaining({ port: 'http', honorLabels: true }),
    ]);
  });

  it('scrapes servers on both metrics ports, skips daemons whose metrics are off, and the Pushgateway with honorLabels', () => {
    const env = withPushgateway(
      loadFrom(envFiles(`${BOTH}monitoring:\n  namespace: monitoring\n  scrape: {labels: {release: prom}}\n`), 'test'),
    );
    const folders = buildEnvironment(env);
    const server = find(folders, 'PodMonitor', 'api-rucio-server');
    expect(() => new PodMonitor(server as never).validate()).not.toThrow();
    expect(server.metadata.namespace).toBe('monitoring');
    expect(monitorSpec(server).selector.matchLabels).toEqual({ app: 'rucio-server', release: 'api' });
    expect(monitorSpec(server).podMetricsEndpoints!.map((e) => `${e.port}${e.path}`)).toEqual([
      'exporter/metrics',
      'metrics/metrics/',
    ]);
    const daemons = find(folders, 'PodMonitor', 'd-daemons');
    expect(monitorSpec(daemons).selector.matchExpressions![0]!.values).toEqual(['conveyor-submitter', 'reaper']);
    const pg = find(folders, 'ServiceMonitor', 'pushgateway');
    expect(() => new ServiceMonitor(pg as never).validate()).not.toThrow();
    expect(pg.folder).toBe('infrastructure/test/monitoring');
    expect(monitorSpec(pg)).toMatchObject({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'pushgateway' } },
      namespaceSelector: { matchNames: ['rucio'] },
      endpoints: [{ port: 'http', honorLabels: true }],
    });
    expect(pg.metadata.labels).toMatchObject({ release: 'prom' });
    // No pushgateway key, no scrape option: no ServiceMonitor; asking to scrape a Pushgateway that is not there is an error.
    expect(
      objects(buildEnvironment(loadFrom(envFiles(`${BOTH}monitoring: {}\n`), 'test'))).some(
        (o) => o.kind === 'ServiceMonitor',
      ),
    ).toBe(false);
    expect(problemsOf(envFiles(`${BOTH}monitoring: {pushgateway: {scrape: true}}\n`), 'test')).toEqual([
      expect.stringContaining(
        'monitoring.pushgateway.scrape: received true, but the environment deploys no Pushgateway',
      ),
    ]);
  });

  it('creates no monitoring objects for an environment without a monitoring key', () => {
    const folders = buildEnvironment(loadFrom(envFiles(BOTH), 'test'));
    expect(folders.some((f) => f.folder.startsWith('infrastructure/'))).toBe(false);
  });
});

describe('annotation scraping', () => {
  it('annotates every integration server and daemon pod and creates no monitors', () => {
    const folders = buildEnvironment(bundled('integration'));
    // The Rucio pods; the infrastructure (HAProxy, Pushgateway, probes) has its own scraping.
    const deployments = objects(folders).filter(
      (o) =>
        o.kind === 'Deployment' &&
        (o.metadata.labels?.['app-group'] === 'rucio-daemons' || o.metadata.labels?.app === 'rucio-server'),
    );
    expect(deployments.length).toBeGreaterThan(20);
    for (const o of deployments) {
      const [port, path] = o.metadata.name.endsWith('rucio-server') ? ['8081', '/metrics/'] : ['8080', '/metrics'];
      expect(template(o).metadata.annotations, o.metadata.name).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': port,
        'prometheus.io/path': path,
      });
    }
    expect(objects(folders).some((o) => o.kind === 'PodMonitor' || o.kind === 'ServiceMonitor')).toBe(false);
    expect(find(folders, 'PrometheusRule', 'rucio-alerts').folder).toBe('infrastructure/integration/monitoring');
  });

  it('does not annotate a daemon whose metrics are off', () => {
    const folders = buildEnvironment(loadFrom(envFiles(`${BOTH}monitoring: {scrape: {mode: annotations}}\n`), 'test'));
    expect(
      template(find(folders, 'Deployment', 'd-rucio-daemons-hermes')).metadata.annotations?.['prometheus.io/scrape'],
    ).toBeUndefined();
    expect(
      template(find(folders, 'Deployment', 'd-rucio-daemons-reaper')).metadata.annotations?.['prometheus.io/scrape'],
    ).toBe('true');
  });
});
