/**
 * The plan stage: from a loaded environment it resolves, once, everything the constructs and the other components
 * need (each release's effective values, the `[monitor]` wiring, the metrics defaults, which workloads are
 * autoscaled, names, each pod's env vars and mounts, the haproxy.cfg model). Every values error that the schemas
 * cannot see alone is raised here, at the file, line and key to edit; the constructs never throw on values.
 */
import type { HaproxyCfgModel } from '../../constructs/haproxy/haproxy-config.js';
import type { Environment } from '../../values/environment.js';
import type { LoadedEnvironment } from '../load/environments.js';
import { Problem, UserError } from '../load/problems.js';
import { ValuesError } from './errors.js';
import { haproxyModel, type HaproxyReleaseRef } from './haproxy.js';
import { daemonsHelmRelease, releaseOutput, serverHelmRelease } from './helm-release.js';
import { wireMonitor } from './monitor.js';
import { planDaemons, planProbes, planServer, type DaemonsPlan, type ProbesPlan, type ServerPlan } from './releases.js';
import { planWebui, type WebuiPlan } from './rucio-webui.js';
import { webuiHelmRelease } from './webui-helm-release.js';
import { planScrape, type ScrapePlan } from './scrape.js';

export type { DaemonPlan, DaemonsPlan, ProbesPlan, ServerPlan } from './releases.js';
export type { WebuiPlan } from './rucio-webui.js';
export type { HelmReleasePlan, SecretValuesReference } from './helm-release.js';
export type { ScrapePlan } from './scrape.js';

/** Everything an environment's components build from. */
export interface EnvironmentPlan {
  /**
   * The environment as loaded, with every release's `[monitor]` section wired to the Pushgateway unless the file
   * sets it (a new object: the loaded values stay as parsed).
   */
  readonly env: LoadedEnvironment;
  /** The server releases, by release name. */
  readonly servers: readonly ServerPlan[];
  /** The daemons releases, by release name. */
  readonly daemons: readonly DaemonsPlan[];
  /** The WebUI releases, by release name. */
  readonly webui: readonly WebuiPlan[];
  /** The haproxy.cfg model (without its header lines), when the environment has `haproxy`. */
  readonly haproxy?: HaproxyCfgModel;
  /** The probes, when the environment has `probes`. */
  readonly probes?: ProbesPlan;
  /** What a Prometheus scrapes (the scrape objects are built from it, and an alert only on scraped series). */
  readonly scrape: ScrapePlan;
}

/** The environment as the constructs see it: every release's `[monitor]` section wired to the Pushgateway. */
function prepareEnvironment(env: LoadedEnvironment): LoadedEnvironment {
  const values = wireMonitor(env.values, env.name);
  return values === env.values ? env : { ...env, values };
}

/** What only the manifests can do with a release: an autoscaler owning its replicas (the chart sets them). */
function refuseAutoscaling(path: readonly string[], release: string, what: string): never {
  throw new ValuesError(
    path,
    `${what} release '${release}' has output: helmrelease, and its chart sets the replicas on every upgrade, which would fight the autoscaler: remove this entry, or set output: manifests on the release`,
  );
}

/** A server release with its HelmRelease when its output is `helmrelease`. */
function withServerOutput(env: Environment, plan: ServerPlan): ServerPlan {
  if (releaseOutput(env.output, plan.values.output) !== 'helmrelease') return plan;
  if (env.autoscaling?.servers[plan.release] !== undefined)
    refuseAutoscaling(['autoscaling', 'servers', plan.release], plan.release, 'the server');
  return { ...plan, helmRelease: serverHelmRelease(plan.values, ['servers', plan.release]) };
}

/** A daemons release with its HelmRelease when its output is `helmrelease`. */
function withDaemonsOutput(env: Environment, plan: DaemonsPlan): DaemonsPlan {
  if (releaseOutput(env.output, plan.values.output) !== 'helmrelease') return plan;
  const scaled = Object.keys(env.autoscaling?.daemons[plan.release] ?? {}).sort();
  if (scaled.length > 0)
    refuseAutoscaling(['autoscaling', 'daemons', plan.release, scaled[0]!], plan.release, 'the daemons');
  const deployed = plan.daemons.map((d) => ({ spec: d.spec, replicas: d.replicas }));
  return { ...plan, helmRelease: daemonsHelmRelease(plan.values, deployed, ['daemons', plan.release]) };
}

/** A WebUI release with its HelmRelease when its output is `helmrelease`. */
function withWebuiOutput(env: Environment, plan: WebuiPlan): WebuiPlan {
  if (releaseOutput(env.output, plan.values.output) !== 'helmrelease') return plan;
  return { ...plan, helmRelease: webuiHelmRelease(plan, ['webui', plan.release]) };
}

/** Resolves an environment; a values error is a UserError naming the file, line and key. */
export function planEnvironment(loaded: LoadedEnvironment): EnvironmentPlan {
  const env = prepareEnvironment(loaded);
  const values = env.values;
  try {
    const servers = Object.keys(values.servers)
      .sort()
      .map((release) => withServerOutput(values, planServer(values, release, values.servers[release]!)));
    const daemons = Object.keys(values.daemons)
      .sort()
      .map((release) => withDaemonsOutput(values, planDaemons(values, release, values.daemons[release]!)));
    const webui = Object.keys(values.webui)
      .sort()
      .map((release) => withWebuiOutput(values, planWebui(release, values.webui[release]!)));
    let haproxy: HaproxyCfgModel | undefined;
    if (values.haproxy) {
      const releases = new Map<string, HaproxyReleaseRef>();
      for (const s of servers) {
        releases.set(s.release, {
          fullname: s.fullname,
          servicePort: s.values.service.port,
          useSSL: s.values.useSSL,
          replicaCount: s.values.replicaCount,
          ...(s.values.service.type === 'LoadBalancer' && s.values.service.loadBalancerIP
            ? { loadBalancerIP: s.values.service.loadBalancerIP }
            : {}),
        });
      }
      const webuiReleases = new Map<string, HaproxyReleaseRef>();
      for (const w of webui) {
        webuiReleases.set(w.release, {
          fullname: w.fullname,
          servicePort: w.service.port,
          useSSL: w.values.useSSL,
          replicaCount: w.values.replicaCount,
          ...(w.values.service.type === 'LoadBalancer' && w.values.service.loadBalancerIP
            ? { loadBalancerIP: w.values.service.loadBalancerIP }
            : {}),
        });
      }
      haproxy = haproxyModel(values.haproxy, releases, values.namespace, [], webuiReleases);
    }
    const probes = values.probes ? planProbes(values, env.name, values.probes) : undefined;
    const scrape = planScrape(values, env.sources);
    return { env, servers, daemons, webui, ...(haproxy ? { haproxy } : {}), ...(probes ? { probes } : {}), scrape };
  } catch (e) {
    if (e instanceof ValuesError) {
      const loc = env.locate(e.path);
      const problem = new Problem(loc.file, loc.line, loc.path.join('.'), e.message);
      throw new UserError(`invalid environment '${env.name}' (1 problem):`, [problem]);
    }
    throw e;
  }
}
