/**
 * The alerts of an environment: the PrometheusRule `rucio-alerts` with the environment-wide groups (backlogs, probes,
 * servers), and one PrometheusRule `rucio-alerts-<release>` per daemons release with that release's daemon alerts
 * (group `rucio-daemons-<release>`), so that no object grows with the number of releases of an environment (one
 * object for all daemons of 200 releases was 3.3 MB, past the 1 MiB Kubernetes allows). The groups are built by
 * `alertGroups` (pure), which the tests also write out for `promtool check rules` and `promtool test rules`.
 *
 * | Alert | Expression | Source of the series |
 * |---|---|---|
 * | RucioDaemonUnavailable | unavailable replicas > 0 of a daemon Deployment | kube-state-metrics |
 * | RucioDaemonNotReporting | no `up == 1` target of a daemon (per release and daemon) | the PodMonitors / annotations |
 * | RucioTransferQueueGrowing | queued+submitted requests above a threshold and larger than `growthWindow` ago | probe `check_transfer_queues_status` via the Pushgateway |
 * | RucioDeletionBacklogGrowing | deletable replicas above a threshold and larger than `growthWindow` ago | a probe via the Pushgateway (name assumed, see values/monitoring.ts) |
 * | RucioProbeResultsStale | a Pushgateway group not pushed for `maxAgeSeconds` | `push_time_seconds` of the Pushgateway |
 * | RucioServer5xxRate | 5xx share of a backend's responses above `ratio` | HAProxy's exporter |
 * | RucioHAProxyBackendDown | a backend without an active server | HAProxy's exporter |
 * | RucioWebuiUnavailable | no available pod of a WebUI Deployment (or the Deployment gone) | kube-state-metrics |
 *
 * An alert is generated only when its series have a scrape source (`sources`, decided by the plan: `src/plan/scrape.ts`);
 * kube-state-metrics is the cluster's and assumed.
 */
import { Construct } from 'constructs';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { MonitoringValues } from '../../values/monitoring.js';
import { sortedMap } from '../shared/rucio-pod.js';
import { kubeObject } from '../shared/objects.js';

/** One daemon as the alerts see it. */
export interface AlertDaemon {
  readonly release: string;
  /** The `rucio-daemon` pod label (`conveyor-submitter`). */
  readonly name: string;
  readonly deployment: string;
  /** Whether it publishes metrics (only then can it stop reporting). */
  readonly metrics: boolean;
}

export interface AlertInput {
  readonly environment: string;
  /** The namespace of the Rucio pods. */
  readonly namespace: string;
  readonly daemons: readonly AlertDaemon[];
  /** The Deployments of the WebUI releases (those with pods). */
  readonly webuiDeployments?: readonly string[];
  readonly alerts: MonitoringValues['alerts'];
  /**
   * Which series some Prometheus scrapes in the environment: the Pushgateway's (probe results, backlogs) and the
   * in-cluster HAProxy's exporter. An alert on series without a source could never fire, so it is not generated.
   */
  readonly sources: { readonly pushgateway: boolean; readonly haproxy: boolean };
}

/** A rule as Prometheus reads it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}
export interface RuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
  /** The daemons release whose daemons the group watches; environment-wide groups have none. */
  readonly release?: string;
}

/** A PromQL string literal. */
export function promString(s: string): string {
  return JSON.stringify(s);
}

/** A regex that matches exactly the given names. */
function exactly(names: readonly string[]): string {
  return names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

/** The alert groups of an environment (empty groups left out). */
function alertGroups(input: AlertInput): RuleGroup[] {
  const { alerts, namespace } = input;
  const ns = `namespace=${promString(namespace)}`;
  const rule = (
    alert: string,
    cfg: { for: string; severity: string },
    expr: string,
    summary: string,
    description: string,
    extra: Record<string, string> = {},
  ): AlertRule => ({
    alert,
    expr,
    for: cfg.for,
    labels: sortedMap({ ...alerts.labels, ...extra, rucio_environment: input.environment, severity: cfg.severity }),
    annotations: { description, summary },
  });
  const groups: RuleGroup[] = [];

  const releases = new Map<string, AlertDaemon[]>();
  for (const d of [...input.daemons].sort((a, b) =>
    `${a.release}/${a.name}`.localeCompare(`${b.release}/${b.name}`, 'en'),
  )) {
    const list = releases.get(d.release);
    if (list) list.push(d);
    else releases.set(d.release, [d]);
  }
  for (const [release, released] of [...releases].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const daemons: AlertRule[] = [];
    const deployments = [...new Set(released.map((d) => d.deployment))].sort();
    if (alerts.daemonUnavailable.enabled && deployments.length > 0) {
      daemons.push(
        rule(
          'RucioDaemonUnavailable',
          alerts.daemonUnavailable,
          `kube_deployment_status_replicas_unavailable{${ns}, deployment=~${promString(exactly(deployments))}} > 0`,
          'Rucio daemon {{ $labels.deployment }} has {{ $value }} unavailable pods',
          `Pods of {{ $labels.deployment }} in ${namespace} have not been available for ${alerts.daemonUnavailable.for}: check kubectl describe and the pod logs.`,
        ),
      );
    }
    if (alerts.daemonNotReporting.enabled) {
      for (const d of released.filter((x) => x.metrics)) {
        daemons.push(
          rule(
            'RucioDaemonNotReporting',
            alerts.daemonNotReporting,
            `absent(up{${ns}, release=${promString(d.release)}, rucio_daemon=${promString(d.name)}} == 1)`,
            `Rucio daemon ${d.name} of ${d.release} stopped reporting metrics`,
            `No pod of ${d.deployment} has answered a metrics scrape for ${alerts.daemonNotReporting.for}: the daemon is down, hung or no longer scraped.`,
            { release: d.release, rucio_daemon: d.name },
          ),
        );
      }
    }
    if (daemons.length > 0) groups.push({ name: `rucio-daemons-${release}`, rules: daemons, release });
  }

  const growing = (
    name: string,
    cfg: MonitoringValues['alerts']['transferQueue'],
    selector: string,
    what: string,
  ): AlertRule => {
    const now = `sum(${cfg.metric}${selector})`;
    const before = `sum(${cfg.metric}${selector} offset ${cfg.growthWindow})`;
    return rule(
      name,
      cfg,
      `${now} > ${cfg.threshold} and ${now} > ${before}`,
      `${what} is {{ $value }} and growing`,
      `${what} (${cfg.metric}) is above ${cfg.threshold} and larger than ${cfg.growthWindow} ago, for ${cfg.for}.`,
    );
  };
  const backlog: AlertRule[] = [];
  const { pushgateway, haproxy } = input.sources;
  if (alerts.transferQueue.enabled && pushgateway)
    backlog.push(
      growing(
        'RucioTransferQueueGrowing',
        alerts.transferQueue,
        '{state=~"queued|submitted"}',
        'The transfer queue (queued and submitted requests)',
      ),
    );
  if (alerts.deletionBacklog.enabled && pushgateway)
    backlog.push(
      growing(
        'RucioDeletionBacklogGrowing',
        alerts.deletionBacklog,
        '',
        'The deletion backlog (replicas waiting for the reaper)',
      ),
    );
  if (backlog.length > 0) groups.push({ name: 'rucio-backlogs', rules: backlog });

  if (alerts.staleProbes.enabled && pushgateway) {
    groups.push({
      name: 'rucio-probes',
      rules: [
        rule(
          'RucioProbeResultsStale',
          alerts.staleProbes,
          `time() - push_time_seconds > ${alerts.staleProbes.maxAgeSeconds}`,
          'Probe results of {{ $labels.job }} in the Pushgateway are stale',
          `The Pushgateway group of job {{ $labels.job }} was last pushed more than ${alerts.staleProbes.maxAgeSeconds} s ago: the probe no longer runs or cannot push.`,
        ),
      ],
    });
  }

  const lb: AlertRule[] = [];
  if (alerts.server5xx.enabled && haproxy) {
    const w = alerts.server5xx.window;
    lb.push(
      rule(
        'RucioServer5xxRate',
        alerts.server5xx,
        `sum by (proxy) (rate(haproxy_backend_http_responses_total{code="5xx"}[${w}])) / sum by (proxy) (rate(haproxy_backend_http_responses_total[${w}])) > ${alerts.server5xx.ratio}`,
        'Rucio servers behind {{ $labels.proxy }} answer {{ $value | humanizePercentage }} of requests with 5xx',
        `More than ${alerts.server5xx.ratio * 100}% of the responses of backend {{ $labels.proxy }} were 5xx over ${w}, for ${alerts.server5xx.for}.`,
      ),
    );
  }
  if (alerts.haproxyBackendDown.enabled && haproxy) {
    lb.push(
      rule(
        'RucioHAProxyBackendDown',
        alerts.haproxyBackendDown,
        'haproxy_backend_active_servers == 0',
        'HAProxy backend {{ $labels.proxy }} has no server up',
        `Every server of HAProxy backend {{ $labels.proxy }} has failed its health check for ${alerts.haproxyBackendDown.for}.`,
      ),
    );
  }
  if (lb.length > 0) groups.push({ name: 'rucio-servers', rules: lb });

  const webui = [...new Set(input.webuiDeployments ?? [])].sort();
  if (alerts.webuiUnavailable.enabled && webui.length > 0) {
    // One rule per Deployment, so a WebUI that kube-state-metrics no longer reports (deleted, pruned) alerts too.
    groups.push({
      name: 'rucio-webui',
      rules: webui.map((deployment) => {
        const sel = `{${ns}, deployment=${promString(deployment)}}`;
        return rule(
          'RucioWebuiUnavailable',
          alerts.webuiUnavailable,
          `kube_deployment_status_replicas_available${sel} < 1 or absent(kube_deployment_status_replicas_available${sel})`,
          `The Rucio WebUI ${deployment} has no available pod`,
          `No pod of the WebUI Deployment ${deployment} in ${namespace} has been available for ${alerts.webuiUnavailable.for}: users cannot reach the WebUI. Check kubectl describe deployment ${deployment} and the pod logs.`,
          { deployment },
        );
      }),
    });
  }
  return groups;
}

/** The PrometheusRules `rucio-alerts` (environment-wide groups) and `rucio-alerts-<release>` (per daemons release). */
export class RucioPrometheusRules extends Construct {
  readonly groups: RuleGroup[];

  constructor(scope: Construct, id: string, props: AlertInput & { readonly labels: Readonly<Record<string, string>> }) {
    super(scope, id);
    this.groups = alertGroups(props);
    const objects = new Map<string | undefined, RuleGroup[]>();
    for (const g of this.groups) objects.set(g.release, [...(objects.get(g.release) ?? []), g]);
    const wide = objects.get(undefined);
    const ordered = [...objects].filter(([release]) => release !== undefined);
    for (const [release, groups] of wide ? [[undefined, wide] as const, ...ordered] : ordered) {
      const rule: IPrometheusRule = {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: {
          name: release === undefined ? 'rucio-alerts' : `rucio-alerts-${release}`,
          labels: sortedMap({ ...props.labels }),
        },
        spec: { groups: groups.map((g) => ({ name: g.name, rules: g.rules.map((r) => ({ ...r })) })) },
      };
      kubeObject<IPrometheusRule>(this, release === undefined ? 'Resource' : `Release-${release}`, rule);
    }
  }
}
