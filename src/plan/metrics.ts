/**
 * Metrics on by default: what the monitoring and autoscaling keys change in a release's values before its constructs
 * are built. Pure functions over parsed values (no objects are created here).
 *
 * - Daemons: `[monitor] enable_metrics: true` and `metrics_port: 8080` under the release's config unless the
 *   environment sets them (Rucio starts its prometheus_client server only when `enable_metrics` is on, on
 *   `metrics_port`, and the container port `metrics` is 8080).
 * - Servers: metrics come from `monitoring.enabled` (on by default): httpd serves Rucio's multiprocess registry on
 *   `nativeMetricsPort` 8081 (`RUCIO_METRICS_PORT`) and the apache exporter listens on 8080. `[monitor] enable_metrics`
 *   must stay off for servers: it makes every mod_wsgi process start its own HTTP server on `metrics_port` at import.
 * - `scrape.mode: annotations`: `prometheus.io/scrape|port|path` on the pods whose metrics are on.
 */
import type { Environment } from '../../values/environment.js';
import { MONITORING_DEFAULTS } from '../../values/monitoring.js';
import { SCALABLE_DAEMONS } from '../../values/autoscaling.js';
import { DAEMONS, type DaemonKey } from '../../values/rucio-daemon-table.js';
import { DAEMON_METRICS_PORT, daemonCount, type RucioDaemonsValues } from '../../values/rucio-daemons.js';
import type { RucioServerValues } from '../../values/rucio-server.js';
import { SERVER_METRICS_PATH } from '../../constructs/observability/service-monitors.js';
import { configFlag, mergeConfig } from '../../constructs/shared/rucio-config.js';
import { ValuesError } from './errors.js';

/** `prometheus.io/*` annotations for one metrics port. */
function scrapeAnnotations(port: number, path = '/metrics'): Record<string, string> {
  return { 'prometheus.io/path': path, 'prometheus.io/port': String(port), 'prometheus.io/scrape': 'true' };
}

/** Whether a daemon of a (prepared) release publishes metrics. */
export function daemonHasMetrics(values: RucioDaemonsValues, valueKey: DaemonKey): boolean {
  const daemon = values[valueKey];
  return configFlag(mergeConfig(values.config, daemon.config), 'monitor', 'enable_metrics');
}

/** A daemons release with the metrics defaults and, in annotations mode, the scrape annotations. */
export function daemonsWithMetrics(env: Environment, release: string, values: RucioDaemonsValues): RucioDaemonsValues {
  const path = ['daemons', release];
  let out: RucioDaemonsValues = values;
  if (env.monitoring?.daemonMetrics ?? true) {
    out = {
      ...out,
      config: { ...out.config, monitor: { ...MONITORING_DEFAULTS.daemonMetricsConfig, ...out.config.monitor } },
    };
  }
  for (const spec of DAEMONS) {
    if (daemonCount(out, spec) === 0) continue;
    const daemon = out[spec.valueKey];
    const merged = mergeConfig(out.config, daemon.config);
    if (!configFlag(merged, 'monitor', 'enable_metrics')) continue;
    const port = merged.monitor?.metrics_port;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a secretKeyRef is not the container's port either
    if (port !== undefined && String(port) !== String(DAEMON_METRICS_PORT)) {
      const where =
        daemon.config.monitor?.metrics_port !== undefined
          ? [...path, spec.valueKey, 'config', 'monitor', 'metrics_port']
          : [...path, 'config', 'monitor', 'metrics_port'];
      throw new ValuesError(
        where,
        `received ${JSON.stringify(port)}, but the daemon container's metrics port is ${DAEMON_METRICS_PORT}: remove metrics_port or set it to ${DAEMON_METRICS_PORT}`,
      );
    }
    if (env.monitoring?.scrape.mode === 'annotations') {
      out = {
        ...out,
        [spec.valueKey]: {
          ...daemon,
          podAnnotations: { ...scrapeAnnotations(DAEMON_METRICS_PORT), ...daemon.podAnnotations },
        },
      };
    }
  }
  return out;
}

/** A server release checked for the metrics contract and, in annotations mode, annotated. */
export function serverWithMetrics(env: Environment, release: string, values: RucioServerValues): RucioServerValues {
  if (configFlag(values.config, 'monitor', 'enable_metrics')) {
    throw new ValuesError(
      ['servers', release, 'config', 'monitor', 'enable_metrics'],
      'a server must not set [monitor] enable_metrics: every mod_wsgi process would start its own metrics server on metrics_port ' +
        `(the apache exporter already listens on ${values.monitoring.exporterPort}). Server metrics are served on monitoring.nativeMetricsPort ` +
        `(${values.monitoring.nativeMetricsPort}) when monitoring.enabled is true: remove enable_metrics (or set it under daemons only)`,
    );
  }
  if (values.monitoring.enabled && env.monitoring?.scrape.mode === 'annotations') {
    return {
      ...values,
      podAnnotations: {
        ...scrapeAnnotations(values.monitoring.nativeMetricsPort, SERVER_METRICS_PATH),
        ...values.podAnnotations,
      },
    };
  }
  return values;
}

/** Value keys of a daemons release's daemons that a ScaledObject owns. */
export function autoscaledDaemons(env: Environment, release: string): Set<string> {
  const scalers = env.autoscaling?.daemons[release] ?? {};
  return new Set(SCALABLE_DAEMONS.filter((k) => scalers[k] !== undefined));
}

/** Whether an HPA owns a server release's replicas. */
export function autoscaledServer(env: Environment, release: string): boolean {
  return env.autoscaling?.servers[release] !== undefined;
}
