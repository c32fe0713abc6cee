/**
 * The infrastructure components of an environment (HAProxy, the Pushgateway with the probes, filebeat), built from
 * its plan. Registered in `COMPONENTS` (render.ts).
 */
import { basename } from 'node:path';
import { Filebeat } from '../../constructs/observability/filebeat.js';
import { Haproxy } from '../../constructs/haproxy/haproxy.js';
import { renderHaproxyCfg } from '../../constructs/haproxy/haproxy-config.js';
import { Pushgateway } from '../../constructs/observability/pushgateway.js';
import { RucioProbes } from '../../constructs/observability/rucio-probes.js';
import type { BuildContext } from './context.js';
import { GENERATED_MARKER } from './files.js';

/**
 * HAProxy: `infrastructure/<env>/haproxy/` holds the in-cluster objects (unless `inCluster: false`) and always the
 * plain `haproxy.cfg` for the operators' VMs. Runs after the servers, whose Services it targets.
 */
export function haproxy(ctx: BuildContext): void {
  const { env } = ctx;
  const values = env.values.haproxy;
  const model = ctx.plan.haproxy;
  if (!values || !model) return;
  const folder = `infrastructure/${env.name}/haproxy`;
  const header = [
    GENERATED_MARKER.replace(/^# /, ''),
    // The file's name only: the output must not depend on where the environments folder is.
    `HAProxy of the '${env.name}' environment (${basename(env.file)}), for the cluster and for the VMs alike.`,
  ];
  const config = renderHaproxyCfg({ ...model, header });
  ctx.file(folder, 'haproxy.cfg', config);
  // In annotations mode the community chart's `kubernetes-pods` job scrapes the exporter of the stats frontend.
  const podAnnotations: Record<string, string> =
    ctx.plan.scrape.haproxy && ctx.plan.scrape.mode === 'annotations'
      ? {
          'prometheus.io/path': '/metrics',
          'prometheus.io/port': String(values.statsPort),
          'prometheus.io/scrape': 'true',
        }
      : {};
  if (values.inCluster) new Haproxy(ctx.chart(folder, 'haproxy'), 'Haproxy', { values, config, podAnnotations });
}

/**
 * The Pushgateway (`infrastructure/<env>/pushgateway/`). The monitoring component scrapes it with a ServiceMonitor
 * (`honorLabels`) in operator mode; in annotations mode its Service says `prometheus.io/probe: pushgateway`, which the
 * community chart's `prometheus-pushgateway` job keeps (with `honor_labels`).
 */
export function pushgateway(ctx: BuildContext): void {
  const { env } = ctx;
  const values = env.values.pushgateway;
  if (!values) return;
  const serviceAnnotations: Record<string, string> =
    ctx.plan.scrape.pushgateway && ctx.plan.scrape.mode === 'annotations'
      ? { 'prometheus.io/probe': 'pushgateway' }
      : {};
  new Pushgateway(ctx.chart(`infrastructure/${env.name}/pushgateway`, 'pushgateway'), 'Pushgateway', {
    values,
    serviceAnnotations,
  });
}

/** The Rucio probes (`infrastructure/<env>/probes/`): rucio.cfg from `common.config`, their own, and the `[monitor]` wiring. */
export function probes(ctx: BuildContext): void {
  const { env } = ctx;
  const probes = ctx.plan.probes;
  if (!probes) return;
  new RucioProbes(ctx.chart(`infrastructure/${env.name}/probes`, 'rucio-probes'), 'Probes', {
    values: probes.values,
    config: probes.config,
    pod: probes.pod,
  });
}

/** filebeat (`infrastructure/<env>/filebeat/`). */
export function filebeat(ctx: BuildContext): void {
  const { env } = ctx;
  const values = env.values.filebeat;
  if (!values) return;
  new Filebeat(ctx.chart(`infrastructure/${env.name}/filebeat`, 'filebeat'), 'Filebeat', {
    values,
    namespace: env.values.namespace,
    environment: env.name,
  });
}
