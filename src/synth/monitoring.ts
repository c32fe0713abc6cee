/**
 * The monitoring and autoscaling components of an environment (issue 6), run after the server and daemons releases:
 * - `monitoring`: scrape objects, alerts and dashboards in `infrastructure/<env>/monitoring/`, when the environment
 *   has a `monitoring` key;
 * - `autoscaling`: ScaledObjects and HPAs in each release's folder `apps/<env>/<release>/`.
 * The release components consult `releaseValues`/`autoscaled*` so that metrics are on by default and autoscaled
 * Deployments carry no `replicas`.
 */
import { DaemonAutoscaler } from '../../constructs/autoscaling/daemon-autoscaler.js';
import { RucioDashboards } from '../../constructs/observability/dashboards.js';
import { daemonHasMetrics, daemonsWithMetrics } from '../../constructs/rucio/metrics-defaults.js';
import { RucioPrometheusRules, type AlertDaemon } from '../../constructs/observability/prometheus-rules.js';
import { DAEMONS_CHART } from '../../constructs/rucio/rucio-daemon.js';
import {
  RucioServiceMonitors,
  type DaemonsTarget,
  type ServerTarget,
} from '../../constructs/observability/service-monitors.js';
import { ServerAutoscaler } from '../../constructs/autoscaling/server-autoscaler.js';
import { SCALABLE_DAEMONS } from '../../values/autoscaling.js';
import type { Environment } from '../../values/environment.js';
import { DAEMONS } from '../../values/rucio-daemon-table.js';
import type { RucioDaemonsValues } from '../../values/rucio-daemons.js';
import type { Component } from './context.js';

/** Whether the Pushgateway is scraped: the monitoring option, else whether the environment deploys one. */
export function scrapesPushgateway(env: Environment): boolean {
  const explicit = env.monitoring?.pushgateway.scrape;
  if (explicit !== undefined) return explicit;
  return (env as Record<string, unknown>).pushgateway !== undefined;
}

/** The daemons of an environment as the alerts and dashboards see them. */
export function deployedDaemons(
  env: Environment,
  built: ReadonlyMap<string, { daemons: ReadonlyMap<string, { deploymentName: string }> }>,
): (AlertDaemon & { valueKey: string })[] {
  const out: (AlertDaemon & { valueKey: string })[] = [];
  for (const [release, construct] of [...built].sort(([a], [b]) => a.localeCompare(b, 'en'))) {
    const values = daemonsWithMetrics(env, release, env.daemons[release] as RucioDaemonsValues);
    for (const spec of DAEMONS) {
      const d = construct.daemons.get(spec.valueKey);
      if (!d) continue;
      out.push({
        release,
        name: spec.name,
        valueKey: spec.valueKey,
        deployment: d.deploymentName,
        metrics: daemonHasMetrics(values, spec.valueKey),
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
  const daemons = deployedDaemons(env.values, ctx.daemons);
  const scraped = m.scrape.mode !== 'none';
  const pushgateway = scrapesPushgateway(env.values);

  if (m.scrape.mode === 'operator') {
    const daemonTargets: DaemonsTarget[] = [...ctx.daemons.keys()].sort().map((release) => {
      const values = env.values.daemons[release] as RucioDaemonsValues;
      return {
        release,
        appGroup: DAEMONS_CHART,
        daemons: daemons.filter((d) => d.release === release && d.metrics).map((d) => d.name),
        interval: m.scrape.interval,
        relabelings: values.monitoring.serviceMonitor.relabelings,
        metricRelabelings: values.monitoring.serviceMonitor.metricRelabelings,
      };
    });
    const serverTargets: ServerTarget[] = [...ctx.servers.keys()].sort().flatMap((release) => {
      const values = env.values.servers[release]!;
      const server = ctx.servers.get(release)!;
      if (!values.monitoring.enabled || values.replicaCount === 0) return [];
      return [
        {
          release,
          fullname: server.fullname,
          selector: server.selector,
          interval: values.monitoring.interval,
          telemetryPath: values.monitoring.telemetryPath,
          relabelings: values.monitoring.serviceMonitor.relabelings,
          metricRelabelings: values.monitoring.serviceMonitor.metricRelabelings,
        },
      ];
    });
    new RucioServiceMonitors(chart, 'Scrape', {
      targetNamespace: env.values.namespace,
      labels: m.scrape.labels,
      daemons: daemonTargets,
      servers: serverTargets,
      pushgateway,
      pushgatewayInterval: m.scrape.interval,
    });
  }

  if (m.alerts.enabled) {
    new RucioPrometheusRules(chart, 'Alerts', {
      environment: env.name,
      namespace: env.values.namespace,
      daemons: daemons.map((d) => ({ ...d, metrics: d.metrics && scraped })),
      webuiDeployments: [...ctx.webui.values()].filter((w) => w.deployment).map((w) => w.fullname),
      alerts: m.alerts,
      labels: m.scrape.labels,
    });
  }

  if (m.dashboards.enabled) {
    const servers = [...ctx.servers]
      .filter(([release]) => env.values.servers[release]!.replicaCount > 0)
      .map(([release, s]) => ({ release, fullname: s.fullname }));
    new RucioDashboards(chart, 'Dashboards', {
      environment: env.name,
      namespace: env.values.namespace,
      daemons,
      servers,
      pushgateway,
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
    const built = ctx.daemons.get(release);
    if (!built) continue;
    const chart = ctx.chart(`apps/${env.name}/${release}`, release);
    for (const key of SCALABLE_DAEMONS) {
      const scaler = a.daemons[release]![key];
      const daemon = built.daemons.get(key);
      if (!scaler || !daemon) continue;
      new DaemonAutoscaler(chart, `Scaler-${key}`, {
        key,
        deployment: daemon.deploymentName,
        scaler,
        autoscaling: a,
        labels: { app: daemon.appLabel, release },
      });
    }
  }
  for (const release of Object.keys(a.servers).sort()) {
    const built = ctx.servers.get(release);
    if (!built?.deployment) continue;
    const chart = ctx.chart(`apps/${env.name}/${release}`, release);
    new ServerAutoscaler(chart, 'Hpa', {
      deployment: built.fullname,
      scaler: a.servers[release]!,
      labels: { ...built.selector },
    });
  }
};
