/**
 * The infrastructure components of an environment (HAProxy, the Pushgateway with the probes, filebeat) and the
 * `[monitor]` wiring applied before any release is built. Registered in `COMPONENTS` (render.ts).
 */
import { basename } from 'node:path';
import { Filebeat } from '../../constructs/observability/filebeat.js';
import { Haproxy } from '../../constructs/haproxy/haproxy.js';
import { haproxyModel, renderHaproxyCfg, type HaproxyReleaseRef } from '../../constructs/haproxy/haproxy-config.js';
import {
  Pushgateway,
  monitorOptions,
  wireMonitor,
  withMonitorOptions,
} from '../../constructs/observability/pushgateway.js';
import { mergeConfig } from '../../constructs/shared/rucio-config.js';
import { RucioProbes } from '../../constructs/observability/rucio-probes.js';
import type { RucioConfig } from '../../values/common.js';
import type { LoadedEnvironment } from '../load/environments.js';
import type { BuildContext } from './context.js';
import { GENERATED_MARKER } from './files.js';

/**
 * HAProxy: `infrastructure/<env>/haproxy/` holds the in-cluster objects (unless `inCluster: false`) and always the
 * plain `haproxy.cfg` for the operators' VMs. Runs after the servers, whose Services it targets.
 */
export function haproxy(ctx: BuildContext): void {
  const { env } = ctx;
  const values = env.values.haproxy;
  if (!values) return;
  const folder = `infrastructure/${env.name}/haproxy`;
  const releases = new Map<string, HaproxyReleaseRef>();
  for (const [release, server] of ctx.servers) {
    const v = env.values.servers[release]!;
    releases.set(release, {
      fullname: server.fullname,
      servicePort: server.servicePort,
      useSSL: v.useSSL,
      replicaCount: v.replicaCount,
      ...(v.service.type === 'LoadBalancer' && v.service.loadBalancerIP
        ? { loadBalancerIP: v.service.loadBalancerIP }
        : {}),
    });
  }
  const webuiReleases = new Map<string, HaproxyReleaseRef>();
  for (const [release, webui] of ctx.webui) {
    const v = env.values.webui[release]!;
    webuiReleases.set(release, {
      fullname: webui.fullname,
      servicePort: webui.servicePort,
      useSSL: v.useSSL,
      replicaCount: v.replicaCount,
      ...(v.service.type === 'LoadBalancer' && v.service.loadBalancerIP
        ? { loadBalancerIP: v.service.loadBalancerIP }
        : {}),
    });
  }
  const header = [
    GENERATED_MARKER.replace(/^# /, ''),
    // The file's name only: the output must not depend on where the environments folder is.
    `HAProxy of the '${env.name}' environment (${basename(env.file)}), for the cluster and for the VMs alike.`,
  ];
  const config = renderHaproxyCfg(haproxyModel(values, releases, env.values.namespace, header, webuiReleases));
  ctx.file(folder, 'haproxy.cfg', config);
  if (values.inCluster) new Haproxy(ctx.chart(folder, 'haproxy'), 'Haproxy', { values, config });
}

/** The Pushgateway (`infrastructure/<env>/pushgateway/`); the monitoring component scrapes it (with `honorLabels`). */
export function pushgateway(ctx: BuildContext): void {
  const { env } = ctx;
  const values = env.values.pushgateway;
  if (!values) return;
  new Pushgateway(ctx.chart(`infrastructure/${env.name}/pushgateway`, 'pushgateway'), 'Pushgateway', { values });
}

/** The Rucio probes (`infrastructure/<env>/probes/`): rucio.cfg from `common.config`, their own, and the `[monitor]` wiring. */
export function probes(ctx: BuildContext): void {
  const { env } = ctx;
  const values = env.values.probes;
  if (!values) return;
  // `common` was parsed by commonSchema, whose keys come from releaseShared (typed loosely there).
  const common = (env.values.common as { config?: RucioConfig }).config ?? {};
  let config = mergeConfig(common, values.config);
  if (env.values.pushgateway)
    config = withMonitorOptions(config, monitorOptions(env.values.pushgateway, env.values.namespace, env.name));
  new RucioProbes(ctx.chart(`infrastructure/${env.name}/probes`, 'rucio-probes'), 'Probes', {
    values,
    config,
    path: ['probes'],
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

/**
 * The environment as the constructs see it: every release's `[monitor]` section wired to the Pushgateway (unless set).
 * A new object: the loaded values stay as parsed.
 */
export function prepareEnvironment(env: LoadedEnvironment): LoadedEnvironment {
  const values = wireMonitor(env.values, env.name);
  return values === env.values ? env : { ...env, values };
}
