/**
 * Issue 12, point 3: every generated alert reads series that something in its environment scrapes, checked from the
 * synthesized objects alone (pod annotations, PodMonitors, ServiceMonitors, the Pushgateway's probe annotation), or
 * the alert is not generated; an alert enabled in a file whose series nothing would scrape is an error at that key.
 */
import { describe, expect, it } from 'vitest';
import type { RuleGroup } from '../../constructs/observability/prometheus-rules.js';
import type { LoadedEnvironment } from '../../src/load/environments.js';
import type { KubeObject, RenderedFolder } from '../../src/synth/files.js';
import { buildEnvironment } from '../../src/synth/render.js';
import { bundled, envFiles, find, loadFrom, objects, problemsOf, scrapedWorkloads } from './helpers.js';

const PUSHGATEWAY_ALERTS = ['RucioTransferQueueGrowing', 'RucioDeletionBacklogGrowing', 'RucioProbeResultsStale'];
const HAPROXY_ALERTS = ['RucioServer5xxRate', 'RucioHAProxyBackendDown'];
/** Alerts on kube-state-metrics: the cluster's, not judged from the environment's objects. */
const CLUSTER_ALERTS = ['RucioDaemonUnavailable', 'RucioWebuiUnavailable'];

const alertNames = (folders: readonly RenderedFolder[]) =>
  new Set(
    objects(folders)
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((o) => (o.spec as { groups: RuleGroup[] }).groups.flatMap((g) => g.rules.map((r) => r.alert))),
  );

/** The workload whose scraped series an alert rule reads (undefined for kube-state-metrics). */
function sourceOf(all: readonly KubeObject[], rule: RuleGroup['rules'][number]): string | undefined {
  if (CLUSTER_ALERTS.includes(rule.alert)) return undefined;
  if (PUSHGATEWAY_ALERTS.includes(rule.alert)) return 'Deployment/pushgateway';
  if (HAPROXY_ALERTS.includes(rule.alert)) return 'Deployment/haproxy';
  if (rule.alert === 'RucioDaemonNotReporting') {
    const d = all.find((o) => {
      const labels = (o.spec as undefined | { template?: { metadata?: { labels?: Record<string, string> } } })?.template
        ?.metadata?.labels;
      return (
        o.kind === 'Deployment' &&
        labels?.release === rule.labels.release &&
        labels?.['rucio-daemon'] === rule.labels.rucio_daemon
      );
    });
    if (!d) throw new Error(`no Deployment of ${rule.labels.release}/${rule.labels.rucio_daemon}`);
    return `Deployment/${d.metadata.name}`;
  }
  throw new Error(`alert ${rule.alert} is not classified by this test: say which objects its series come from`);
}

/** Every generated alert's series have a scrape source among the objects; returns the alert names. */
function expectEverySourced(folders: readonly RenderedFolder[]): Set<string> {
  const all = objects(folders);
  const scraped = scrapedWorkloads(all);
  for (const rule of all
    .filter((o) => o.kind === 'PrometheusRule')
    .flatMap((o) => (o.spec as { groups: RuleGroup[] }).groups.flatMap((g) => g.rules))) {
    const source = sourceOf(all, rule);
    if (source !== undefined)
      expect(scraped.has(source), `${rule.alert} reads ${source}, which nothing scrapes`).toBe(true);
  }
  return alertNames(folders);
}

function edited(env: LoadedEnvironment, edit: (values: LoadedEnvironment['values']) => void): LoadedEnvironment {
  const values = structuredClone(env.values);
  edit(values);
  return { ...env, values };
}

describe('alerts only on scraped series', () => {
  it('integration (annotations): the in-cluster HAProxy and the Pushgateway are annotated, so all their alerts are kept', () => {
    const folders = buildEnvironment(bundled('integration'));
    const names = expectEverySourced(folders);
    for (const a of [...PUSHGATEWAY_ALERTS, ...HAPROXY_ALERTS, 'RucioDaemonNotReporting']) expect(names).toContain(a);
    const haproxy = find(folders, 'Deployment', 'haproxy');
    expect(
      (haproxy.spec as { template: { metadata: { annotations: object } } }).template.metadata.annotations,
    ).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8404',
      'prometheus.io/path': '/metrics',
    });
    expect(find(folders, 'Service', 'pushgateway').metadata.annotations).toEqual({
      'prometheus.io/probe': 'pushgateway',
    });
  });

  it('production: no HAProxy alert, since its HAProxy runs on VMs that nothing scrapes', () => {
    const folders = buildEnvironment(bundled('production'));
    const names = expectEverySourced(folders);
    for (const a of HAPROXY_ALERTS) expect(names).not.toContain(a);
    for (const a of [...PUSHGATEWAY_ALERTS, 'RucioDaemonNotReporting', 'RucioDaemonUnavailable'])
      expect(names).toContain(a);
    expect(objects(folders).some((o) => o.kind === 'PodMonitor' && o.metadata.name === 'haproxy')).toBe(false);
  });

  it('production with HAProxy in the cluster: a PodMonitor scrapes it, and the HAProxy alerts come back', () => {
    const folders = buildEnvironment(edited(bundled('production'), (v) => (v.haproxy!.inCluster = true)));
    const names = expectEverySourced(folders);
    for (const a of HAPROXY_ALERTS) expect(names).toContain(a);
    const monitor = find(folders, 'PodMonitor', 'haproxy');
    expect(monitor.spec).toMatchObject({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'haproxy' } },
      podMetricsEndpoints: [{ port: 'stats', path: '/metrics' }],
    });
    // The PodMonitor's port is a named port of the HAProxy container.
    const ports = (
      find(folders, 'Deployment', 'haproxy').spec as {
        template: { spec: { containers: { ports: { name: string }[] }[] } };
      }
    ).template.spec.containers[0]!.ports.map((p) => p.name);
    expect(ports).toContain('stats');
  });

  it('leaves out what is not scraped: scrape.mode none, the Pushgateway not scraped, no Pushgateway', () => {
    const none = buildEnvironment(edited(bundled('integration'), (v) => (v.monitoring!.scrape.mode = 'none')));
    expect([...expectEverySourced(none)].sort()).toEqual(['RucioDaemonUnavailable', 'RucioWebuiUnavailable']);
    expect(
      objects(none).some(
        (o) =>
          (o.spec as undefined | { template?: { metadata?: { annotations?: Record<string, string> } } })?.template
            ?.metadata?.annotations?.['prometheus.io/scrape'] !== undefined,
      ),
    ).toBe(false);

    const off = buildEnvironment(edited(bundled('production'), (v) => (v.monitoring!.pushgateway.scrape = false)));
    const offNames = expectEverySourced(off);
    for (const a of PUSHGATEWAY_ALERTS) expect(offNames).not.toContain(a);
    expect(objects(off).some((o) => o.kind === 'ServiceMonitor')).toBe(false);

    const without = buildEnvironment(
      edited(bundled('production'), (v) => {
        delete v.pushgateway;
        delete v.probes;
      }),
    );
    for (const a of PUSHGATEWAY_ALERTS) expect(expectEverySourced(without)).not.toContain(a);
  });

  it('the object check sees a missing source (the counter-test: it is not vacuous)', () => {
    // The integration rules, with the HAProxy's annotations taken off the objects: the check must complain.
    const folders = buildEnvironment(bundled('integration'));
    const stripped = folders.map((f) => ({
      ...f,
      objects: f.objects.filter((o) => !(o.kind === 'Deployment' && o.metadata.name === 'haproxy')),
    }));
    expect(() => expectEverySourced(stripped)).toThrow(/RucioServer5xxRate reads Deployment\/haproxy/);
  });
});

const VM_HAPROXY = `haproxy:
  inCluster: false
  frontends:
    api:
      port: 443
      servers:
        - {host: rucio-server-01.example.org}
`;
const DAEMONS = `daemons:
  d:
    judgeEvaluatorCount: 1
`;

describe('an alert enabled in a file whose series nothing scrapes', () => {
  it('is an error at the key, saying why and what would scrape it', () => {
    const vm = problemsOf(
      envFiles(`${DAEMONS}${VM_HAPROXY}monitoring:\n  alerts:\n    haproxyBackendDown:\n      enabled: true\n`),
      'test',
    );
    expect(vm).toHaveLength(1);
    expect(vm[0]).toMatch(
      /test\.yaml:16 {2}monitoring\.alerts\.haproxyBackendDown\.enabled: received true, but the alert could never fire: HAProxy runs on VMs only \(haproxy\.inCluster: false\)/,
    );
    expect(vm[0]).toContain('set haproxy.inCluster: true');

    const noGateway = problemsOf(
      envFiles(`${DAEMONS}monitoring:\n  alerts:\n    staleProbes: {enabled: true, maxAgeSeconds: 600}\n`),
      'test',
    );
    expect(noGateway).toEqual([
      expect.stringMatching(
        /test\.yaml:8 {2}monitoring\.alerts\.staleProbes\.enabled: received true, .*deploys no Pushgateway.*add a pushgateway block/,
      ),
    ]);

    const none = problemsOf(
      envFiles(`${DAEMONS}monitoring:\n  scrape: {mode: none}\n  alerts:\n    daemonNotReporting: {enabled: true}\n`),
      'test',
    );
    expect(none).toEqual([expect.stringMatching(/daemonNotReporting\.enabled: .*scrape\.mode is none/)]);

    const scrapeNothing = problemsOf(envFiles(`${DAEMONS}monitoring:\n  pushgateway: {scrape: true}\n`), 'test');
    expect(scrapeNothing).toEqual([
      expect.stringMatching(
        /monitoring\.pushgateway\.scrape: received true, but the environment deploys no Pushgateway/,
      ),
    ]);
  });

  it('is accepted when the source exists, and a default-enabled alert without a source is left out silently', () => {
    const inCluster = VM_HAPROXY.replace('inCluster: false', 'inCluster: true');
    const ok = `${DAEMONS}${inCluster}pushgateway: {}\nmonitoring:\n  pushgateway: {scrape: true}\n  alerts:\n    haproxyBackendDown: {enabled: true}\n    staleProbes: {enabled: true}\n`;
    expect(problemsOf(envFiles(ok), 'test')).toEqual([]);
    const names = expectEverySourced(buildEnvironment(loadFrom(envFiles(ok), 'test')));
    expect(names).toContain('RucioHAProxyBackendDown');
    expect(names).toContain('RucioProbeResultsStale');
    // Written false, or not written at all: no error, no alert.
    for (const body of [
      `${DAEMONS}${VM_HAPROXY}monitoring:\n  alerts: {haproxyBackendDown: {enabled: false}}\n`,
      `${DAEMONS}${VM_HAPROXY}monitoring: {}\n`,
    ]) {
      expect(problemsOf(envFiles(body), 'test')).toEqual([]);
      expect(alertNames(buildEnvironment(loadFrom(envFiles(body), 'test')))).not.toContain('RucioHAProxyBackendDown');
    }
  });
});
