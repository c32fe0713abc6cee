/**
 * The monitoring and autoscaling components of an environment (issue 6), run after the server and daemons releases:
 * - `monitoring`: scrape objects, alerts and dashboards in `infrastructure/<env>/monitoring/`, when the environment
 *   has a `monitoring` key;
 * - `autoscaling`: ScaledObjects and HPAs in each release's folder `apps/<env>/<release>/`.
 * Both read the plan (`src/plan/`): which daemons are deployed and publish metrics, the Deployments' names and
 * labels, which releases are autoscaled.
 */
import { DaemonAutoscaler } from '../../constructs/autoscaling/daemon-autoscaler.js';
import { RucioDashboards } from '../../constructs/observability/dashboards.js';
import { RucioPrometheusRules, type AlertDaemon } from '../../constructs/observability/prometheus-rules.js';
import { DAEMONS_CHART } from '../../constructs/rucio/rucio-daemon.js';
import {
  RucioServiceMonitors,
  type DaemonsTarget,
  type RelabelConfig,
  type ServerTarget,
} from '../../constructs/observability/service-monitors.js';
import { HAPROXY_SELECTOR } from '../../constructs/haproxy/haproxy.js';
import { ServerAutoscaler } from '../../constructs/autoscaling/server-autoscaler.js';
import { SCALABLE_DAEMONS } from '../../values/autoscaling.js';
import type { EnvironmentPlan } from '../plan/index.js';
import type { Component } from './context.js';

/**
 * Relabel rules as the values hold them: the values accept any list, as the chart does, and the schema check validates
 * every scrape object against Prometheus Operator's schema. Typed here, at that boundary, without changing a rule.
 */
function relabelRules(items: readonly unknown[]): RelabelConfig[] {
  return items.map((rule) => rule as RelabelConfig);
}

/** The daemons of an environment as the alerts and dashboards see them. */
function deployedDaemons(plan: EnvironmentPlan): (AlertDaemon & { valueKey: string })[] {
  const out: (AlertDaemon & { valueKey: string })[] = [];
  for (const release of [...plan.daemons].sort((a, b) => a.release.localeCompare(b.release, 'en'))) {
    for (const d of release.daemons) {
      out.push({
        release: release.release,
        name: d.name,
        valueKey: d.valueKey,
        deployment: d.deployment,
        metrics: d.metrics,
      });
    }
  }
  return out;
}

/** Scrape objects, alerts and dashboards: `infrastructure/<env>/monitoring/`. */
export const monitoring: Component = (ctx) => {
  const { env } = ctx;
  const m = env.values.monitoring;
  if (!m) return;
  const chart = ctx.chart(`infrastructure/${env.name}/monitoring`, 'monitoring', m.namespace ?? env.values.namespace);
  const { plan } = ctx;
  const daemons = deployedDaemons(plan);
  // What is scraped (the plan decides it, and the objects below are built from the same decision).
  const { scrape } = plan;

  if (m.scrape.mode === 'operator') {
    const daemonTargets: DaemonsTarget[] = plan.daemons.map(({ release, values }) => {
      return {
        release,
        appGroup: DAEMONS_CHART,
        daemons: daemons.filter((d) => d.release === release && d.metrics).map((d) => d.name),
        interval: m.scrape.interval,
        relabelings: relabelRules(values.monitoring.serviceMonitor.relabelings),
        metricRelabelings: relabelRules(values.monitoring.serviceMonitor.metricRelabelings),
      };
    });
    const serverTargets: ServerTarget[] = plan.servers.flatMap((server) => {
      const { release, values } = server;
      if (!values.monitoring.enabled || values.replicaCount === 0) return [];
      return [
        {
          release,
          fullname: server.fullname,
          selector: server.selector,
          interval: values.monitoring.interval,
          telemetryPath: values.monitoring.telemetryPath,
          relabelings: relabelRules(values.monitoring.serviceMonitor.relabelings),
          metricRelabelings: relabelRules(values.monitoring.serviceMonitor.metricRelabelings),
        },
      ];
    });
    new RucioServiceMonitors(chart, 'Scrape', {
      targetNamespace: env.values.namespace,
      labels: m.scrape.labels,
      daemons: daemonTargets,
      servers: serverTargets,
      pushgateway: scrape.pushgateway,
      pushgatewayInterval: m.scrape.interval,
      ...(scrape.haproxy
        ? { haproxy: { selector: HAPROXY_SELECTOR, port: 'stats', interval: m.scrape.interval } }
        : {}),
    });
  }

  if (m.alerts.enabled) {
    new RucioPrometheusRules(chart, 'Alerts', {
      environment: env.name,
      namespace: env.values.namespace,
      daemons: daemons.map((d) => ({ ...d, metrics: d.metrics && scrape.pods })),
      webuiDeployments: plan.webui.filter((w) => w.values.replicaCount > 0).map((w) => w.fullname),
      alerts: m.alerts,
      sources: { pushgateway: scrape.pushgateway, haproxy: scrape.haproxy },
      labels: m.scrape.labels,
    });
  }

  if (m.dashboards.enabled) {
    const servers = plan.servers
      .filter((s) => s.values.replicaCount > 0)
      .map((s) => ({ release: s.release, fullname: s.fullname }));
    new RucioDashboards(chart, 'Dashboards', {
      environment: env.name,
      namespace: env.values.namespace,
      daemons,
      servers,
      pushgateway: scrape.pushgateway,
      haproxy: scrape.haproxy,
      transferQueueMetric: env.values.autoscaling?.transferQueueMetric ?? m.alerts.transferQueue.metric,
      deletionBacklogMetric: env.values.autoscaling?.deletionBacklogMetric ?? m.alerts.deletionBacklog.metric,
      labels: m.dashboards.labels,
      ...(m.dashboards.folder ? { folder: m.dashboards.folder } : {}),
    });
  }
};

/** ScaledObjects for backlog daemons and HPAs for servers, in each release's folder. */
export const autoscaling: Component = (ctx) => {
  const { env } = ctx;
  const a = env.values.autoscaling;
  if (!a) return;
  for (const release of Object.keys(a.daemons).sort()) {
    const planned = ctx.plan.daemons.find((d) => d.release === release);
    if (!planned) continue;
    const chart = ctx.chart(`apps/${env.name}/${release}`, release);
    for (const key of SCALABLE_DAEMONS) {
      const scaler = a.daemons[release]![key];
      const daemon = planned.daemons.find((d) => d.valueKey === key);
      if (!scaler || !daemon) continue;
      new DaemonAutoscaler(chart, `Scaler-${key}`, {
        key,
        deployment: daemon.deployment,
        scaler,
        autoscaling: a,
        labels: { app: daemon.appLabel, release },
      });
    }
  }
  for (const release of Object.keys(a.servers).sort()) {
    const planned = ctx.plan.servers.find((s) => s.release === release);
    if (!planned?.deployed) continue;
    const chart = ctx.chart(`apps/${env.name}/${release}`, release);
    new ServerAutoscaler(chart, 'Hpa', {
      deployment: planned.fullname,
      scaler: a.servers[release]!,
      labels: { ...planned.selector },
    });
  }
};
