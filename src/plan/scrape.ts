/**
 * Which metrics of an environment reach a Prometheus, decided once from the values that decide the objects (issue 12,
 * point 3): the monitoring component builds the scrape objects from this plan (PodMonitors, ServiceMonitors,
 * `prometheus.io/*` annotations on the pods and Services), and generates an alert only when the series it reads have
 * a scrape source here. An alert on series nothing scrapes could never fire, and would look like a healthy system.
 *
 * | series | scrape source in the objects |
 * | --- | --- |
 * | the daemons' `up` | operator: a PodMonitor per daemons release; annotations: `prometheus.io/scrape` on the pods |
 * | the Pushgateway's (`push_time_seconds`, the probes' results) | operator: the ServiceMonitor `pushgateway` (honorLabels); annotations: `prometheus.io/probe: pushgateway` on its Service (the community chart's `prometheus-pushgateway` job, honor_labels) |
 * | HAProxy's exporter (`haproxy_backend_*`) | the in-cluster HAProxy only: operator: the PodMonitor `haproxy`; annotations: `prometheus.io/scrape` on its pods. HAProxy on VMs (`inCluster: false`) has none |
 * | kube-state-metrics (`kube_deployment_*`) | the cluster's (kube-prometheus-stack and the community chart deploy it): not judged here |
 *
 * An alert left out by default is silent (synth does not list it); an alert whose `enabled: true` is written in an
 * environment file while its source is missing is an error at that key, saying what would scrape it: the operator
 * asked for an alert that could never fire.
 */
import type { Environment } from '../../values/environment.js';
import type { MonitoringValues } from '../../values/monitoring.js';
import { pathKey, type YamlSource } from '../load/yaml-source.js';
import { ValuesError } from './errors.js';

/** What is scraped in an environment. */
export interface ScrapePlan {
  /** `monitoring.scrape.mode`, or `none` without a `monitoring` key. */
  readonly mode: MonitoringValues['scrape']['mode'];
  /** The daemons' and servers' metrics endpoints are scraped (a PodMonitor or annotations). */
  readonly pods: boolean;
  /** The Pushgateway the environment deploys is scraped. */
  readonly pushgateway: boolean;
  /** The in-cluster HAProxy's Prometheus exporter (`/metrics` on the stats port) is scraped. */
  readonly haproxy: boolean;
}

/** The series an alert reads, besides kube-state-metrics. */
type Source = 'pushgateway' | 'haproxy' | 'pods';

/** Each alert of `monitoring.alerts` whose series need a scrape source of this environment. */
const ALERT_SOURCES: Readonly<Partial<Record<keyof MonitoringValues['alerts'], Source>>> = {
  daemonNotReporting: 'pods',
  transferQueue: 'pushgateway',
  deletionBacklog: 'pushgateway',
  staleProbes: 'pushgateway',
  server5xx: 'haproxy',
  haproxyBackendDown: 'haproxy',
};

/** Whether some layer of the environment writes this key. */
function written(sources: readonly YamlSource[], path: readonly string[]): boolean {
  const key = pathKey(path);
  return sources.some((s) => s.lines.has(key));
}

/** Why a source is missing, and what would scrape it. */
function missing(env: Environment, source: Source): string {
  const mode = env.monitoring?.scrape.mode ?? 'none';
  if (mode === 'none' || source === 'pods')
    return 'monitoring.scrape.mode is none, so nothing scrapes this environment; set scrape.mode to operator or annotations';
  if (source === 'pushgateway') {
    if (!env.pushgateway)
      return 'the environment deploys no Pushgateway, so nothing scrapes the series this alert reads; add a pushgateway block (the probes push to it and it is scraped)';
    return 'monitoring.pushgateway.scrape is false, so nothing scrapes the Pushgateway; remove that key (the Pushgateway is then scraped)';
  }
  if (!env.haproxy)
    return 'the environment has no haproxy, so nothing exports the series this alert reads; add a haproxy block (in the cluster, where it is scraped)';
  return "HAProxy runs on VMs only (haproxy.inCluster: false) and nothing in this environment scrapes the VMs; set haproxy.inCluster: true (the in-cluster HAProxy's /metrics on the stats port is then scraped)";
}

/**
 * The scrape plan of an environment. Raises a ValuesError for an alert enabled in a file whose series nothing
 * scrapes, and for `monitoring.pushgateway.scrape: true` with nothing to scrape.
 */
export function planScrape(env: Environment, sources: readonly YamlSource[]): ScrapePlan {
  const m = env.monitoring;
  const mode = m?.scrape.mode ?? 'none';
  const scraping = mode !== 'none';
  const wantsPushgateway = m?.pushgateway.scrape ?? true;
  if (m?.pushgateway.scrape === true && (!env.pushgateway || !scraping)) {
    throw new ValuesError(
      ['monitoring', 'pushgateway', 'scrape'],
      `received true, but ${
        !scraping
          ? 'monitoring.scrape.mode is none, so nothing scrapes this environment; set scrape.mode to operator or annotations'
          : 'the environment deploys no Pushgateway to scrape; add a pushgateway block'
      }, or remove the key`,
    );
  }
  const plan: ScrapePlan = {
    mode,
    pods: scraping,
    pushgateway: scraping && env.pushgateway !== undefined && wantsPushgateway,
    haproxy: scraping && env.haproxy !== undefined && env.haproxy.inCluster,
  };
  if (m?.alerts.enabled) {
    for (const [alert, source] of Object.entries(ALERT_SOURCES) as [keyof MonitoringValues['alerts'], Source][]) {
      const path = ['monitoring', 'alerts', alert, 'enabled'];
      const cfg = m.alerts[alert] as { enabled: boolean };
      if (cfg.enabled && !plan[source] && written(sources, path)) {
        throw new ValuesError(
          path,
          `received true, but the alert could never fire: ${missing(env, source)}; or remove the key (an alert whose series nothing scrapes is left out)`,
        );
      }
    }
  }
  return plan;
}
