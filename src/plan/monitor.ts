/**
 * The `[monitor]` wiring: every Rucio release's rucio.cfg, and the probes', points at the environment's Pushgateway
 * unless the environment file sets the options itself.
 */
import type { Environment } from '../../values/environment.js';
import { PUSHGATEWAY_PORT, type PushgatewayValues } from '../../values/pushgateway.js';
import { PUSHGATEWAY_NAME } from '../../constructs/observability/pushgateway.js';

/** The in-cluster address of the Pushgateway Service, `pushgateway.<namespace>.svc:9091`. */
function pushgatewayServiceAddress(namespace: string): string {
  return `${PUSHGATEWAY_NAME}.${namespace}.svc:${PUSHGATEWAY_PORT}`;
}

/** Where Rucio and the probes push: the configured `address`, else the in-cluster Service. */
function pushgatewayAddress(values: PushgatewayValues, namespace: string): string {
  return values.address ?? pushgatewayServiceAddress(namespace);
}

/** The grouping labels of every push from this environment: `environment` plus the configured labels, sorted. */
function pushgatewayLabels(values: PushgatewayValues, environment: string): Record<string, string> {
  const all: Record<string, string> = { ...values.labels, environment };
  return Object.fromEntries(
    Object.keys(all)
      .sort()
      .map((k) => [k, all[k]!]),
  );
}

/** The rucio.cfg `[monitor]` options that point Rucio at the Pushgateway. */
export function monitorOptions(
  values: PushgatewayValues,
  namespace: string,
  environment: string,
): Record<string, string> {
  return {
    prometheus_servers: pushgatewayAddress(values, namespace),
    prometheus_prefix: values.prometheusPrefix,
    prometheus_labels: JSON.stringify(pushgatewayLabels(values, environment)),
  };
}

/** A rucio.cfg with the `[monitor]` Pushgateway options added where it does not set them. Returns a new object. */
export function withMonitorOptions<C extends Record<string, Record<string, unknown>>>(
  config: C,
  options: Readonly<Record<string, string>>,
): C {
  const monitor = { ...options, ...(config.monitor ?? {}) };
  return { ...config, monitor };
}

/**
 * The environment with every Rucio release's `[monitor]` section wired to the Pushgateway (`prometheus_servers`,
 * `prometheus_prefix`, `prometheus_labels` carrying the environment), unless the release's config (or `common`) sets
 * an option itself. Pure: the given values are not modified. Without a `pushgateway` block nothing changes.
 */
export function wireMonitor(values: Environment, environment: string): Environment {
  if (!values.pushgateway) return values;
  const options = monitorOptions(values.pushgateway, values.namespace, environment);
  const wire = <R extends { config: Environment['servers'][string]['config'] }>(
    releases: Record<string, R>,
  ): Record<string, R> =>
    Object.fromEntries(
      Object.entries(releases).map(([name, r]) => [name, { ...r, config: withMonitorOptions(r.config, options) }]),
    );
  return { ...values, servers: wire(values.servers), daemons: wire(values.daemons) };
}
