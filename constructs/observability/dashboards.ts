/**
 * Grafana dashboards of an environment, generated from the deployed components and shipped as ConfigMaps that
 * Grafana's dashboard sidecar loads (label `grafana_dashboard: "1"` by default):
 * - daemons, one dashboard per daemons release (`daemons-<release>`): the conveyor and reaper pods of the release
 *   (what the autoscalers did), then per daemon its activity (rate of every Rucio counter it exports), CPU and memory
 *   (used, requested, limit, as in the seed's cluster resources view) and pods (available, desired);
 * - transfers: the request queue by state, deletions;
 * - servers: per server release, requests and busy workers (apache exporter), CPU; responses by code per HAProxy
 *   backend. Hits per endpoint and per account are in the access logs (filebeat → Kibana), not in Prometheus;
 * - probes (when the Pushgateway is scraped): the age of each probe's last push and the probe gauges.
 *
 * The JSON is built by `dashboardJson` (pure) and is deterministic: panel ids count up in order, no timestamps.
 *
 * Every dashboard covers a bounded set of objects: a dashboard per daemons release (at most the 28 daemons of the
 * table), so no ConfigMap grows with the number of releases of an environment (one dashboard for all daemons of 10
 * releases was 1.9 MB, past the 1 MiB Kubernetes allows for a ConfigMap). The servers dashboard grows by ~2.5 KB per
 * server release; the checks refuse any object over 1 MiB.
 */
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { promString } from './prometheus-rules.js';
import { sortedMap } from '../shared/rucio-pod.js';
import { kubeObject } from '../shared/objects.js';

export interface DashboardDaemon {
  readonly release: string;
  readonly name: string;
  readonly deployment: string;
}
export interface DashboardServer {
  readonly release: string;
  readonly fullname: string;
}
/** What the dashboards show: the environment's releases and where their metrics come from. */
export interface DashboardInput {
  /** The environment's name, in the dashboards' titles. */
  readonly environment: string;
  /** The namespace of the Rucio pods, which the queries select. */
  readonly namespace: string;
  /** The daemons with metrics, by release. */
  readonly daemons: readonly DashboardDaemon[];
  /** The server releases with metrics. */
  readonly servers: readonly DashboardServer[];
  /** The environment has a Pushgateway: a panel of the probes' results. */
  readonly pushgateway: boolean;
  /** Whether the in-cluster HAProxy's exporter is scraped (the servers dashboard's load balancer row). */
  readonly haproxy: boolean;
  /** The metric of the transfer queue (by state, activity and FTS host). */
  readonly transferQueueMetric: string;
  /** The metric of the deletion backlog (deletable replicas). */
  readonly deletionBacklogMetric: string;
}

/** A Grafana dashboard, as much of its model as is generated. */
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: Panel[];
  readonly [key: string]: unknown;
}
export interface Panel {
  readonly id: number;
  readonly type: 'timeseries' | 'row' | 'stat';
  readonly title: string;
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly targets?: { refId: string; expr: string; legendFormat: string; datasource: { type: string; uid: string } }[];
  readonly [key: string]: unknown;
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** Lays out panels three to a row, with a collapsible row header per section. */
class Layout {
  readonly panels: Panel[] = [];
  private id = 1;
  private y = 0;
  private x = 0;

  row(title: string): void {
    if (this.x > 0) this.newLine();
    this.panels.push({
      id: this.id++,
      type: 'row',
      title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y: this.y },
      panels: [],
    });
    this.y += 1;
  }

  panel(title: string, queries: readonly { expr: string; legend: string }[], unit = 'short', width = 8): void {
    if (this.x + width > 24) this.newLine();
    this.panels.push({
      id: this.id++,
      type: 'timeseries',
      title,
      datasource: DATASOURCE,
      fieldConfig: { defaults: { unit }, overrides: [] },
      options: {
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
      gridPos: { h: 8, w: width, x: this.x, y: this.y },
      targets: queries.map((q, i) => ({
        refId: String.fromCharCode(65 + i),
        expr: q.expr,
        legendFormat: q.legend,
        datasource: DATASOURCE,
      })),
    });
    this.x += width;
  }

  private newLine(): void {
    this.x = 0;
    this.y += 8;
  }
}

/**
 * A dashboard uid (at most 40 characters, Grafana's limit): `rucio-<env>-<kind>`, or when longer, its first 31
 * characters and 8 hex digits of its hash, so that two long names stay distinct.
 */
export function dashboardUid(environment: string, kind: string): string {
  const uid = `rucio-${environment}-${kind}`;
  if (uid.length <= 40) return uid;
  return `${uid.slice(0, 31)}-${createHash('sha256').update(uid).digest('hex').slice(0, 8)}`;
}

/** A dashboard; the environment-wide ones keep their uid `rucio-<env>-<kind>` cut at 40 characters. */
function dashboard(
  input: DashboardInput,
  kind: string,
  title: string,
  layout: Layout,
  uid = `rucio-${input.environment}-${kind}`.slice(0, 40),
): Dashboard {
  return {
    uid,
    title: `Rucio ${input.environment}: ${title}`,
    tags: ['rucio', `rucio-${input.environment}`],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '1m',
    time: { from: 'now-24h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', hide: 0, current: {} },
      ],
    },
    annotations: { list: [] },
    panels: layout.panels,
  };
}

/** The conveyor and reaper stages whose pods the autoscalers move. */
const STAGES = ['conveyor-submitter', 'conveyor-poller', 'conveyor-finisher', 'reaper'];

/**
 * The dashboards of an environment, by kind (`daemons-<release>` per daemons release, `transfers`, `servers`,
 * `probes`); empty ones left out.
 */
function dashboardJson(input: DashboardInput): Record<string, Dashboard> {
  const ns = `namespace=${promString(input.namespace)}`;
  const out: Record<string, Dashboard> = {};
  const byRelease = (a: { release: string; name?: string }, b: { release: string; name?: string }) =>
    `${a.release}/${a.name ?? ''}`.localeCompare(`${b.release}/${b.name ?? ''}`, 'en');

  const releases = new Map<string, DashboardDaemon[]>();
  for (const d of [...input.daemons].sort(byRelease)) {
    const list = releases.get(d.release);
    if (list) list.push(d);
    else releases.set(d.release, [d]);
  }
  for (const [release, daemons] of releases) {
    const l = new Layout();
    const scaled = daemons.filter((d) => STAGES.includes(d.name));
    if (scaled.length > 0) {
      l.row('Conveyor and reaper pods');
      l.panel(
        'Pods per stage',
        scaled.map((d) => ({
          expr: `kube_deployment_status_replicas{${ns}, deployment=${promString(d.deployment)}}`,
          legend: `${d.release} ${d.name}`,
        })),
      );
    }
    for (const d of daemons) {
      const pod = `${ns}, pod=~${promString(`${d.deployment}-.*`)}`;
      l.row(`${d.release} / ${d.name}`);
      const resource = (name: string) =>
        `sum(kube_pod_container_resource_${name}{${pod}, container="rucio-daemons", resource=`;
      l.panel(
        `${d.name}: activity`,
        [
          {
            expr: `sum by (__name__) (rate({__name__=~"rucio_.+_total", ${ns}, release=${promString(d.release)}, rucio_daemon=${promString(d.name)}}[5m]))`,
            legend: '{{__name__}}',
          },
        ],
        'ops',
        6,
      );
      l.panel(
        `${d.name}: CPU`,
        [
          {
            expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pod}, container="rucio-daemons"}[5m]))`,
            legend: '{{pod}}',
          },
          { expr: `${resource('requests')}"cpu"})`, legend: 'requested' },
          { expr: `${resource('limits')}"cpu"})`, legend: 'limit' },
        ],
        'short',
        6,
      );
      l.panel(
        `${d.name}: memory`,
        [
          {
            expr: `sum by (pod) (container_memory_working_set_bytes{${pod}, container="rucio-daemons"})`,
            legend: '{{pod}}',
          },
          { expr: `${resource('requests')}"memory"})`, legend: 'requested' },
          { expr: `${resource('limits')}"memory"})`, legend: 'limit' },
        ],
        'bytes',
        6,
      );
      l.panel(
        `${d.name}: pods`,
        [
          {
            expr: `kube_deployment_status_replicas_available{${ns}, deployment=${promString(d.deployment)}}`,
            legend: 'available',
          },
          { expr: `kube_deployment_spec_replicas{${ns}, deployment=${promString(d.deployment)}}`, legend: 'desired' },
        ],
        'short',
        6,
      );
    }
    const kind = `daemons-${release}`;
    out[kind] = dashboard(input, kind, `daemons of ${release}`, l, dashboardUid(input.environment, kind));
  }

  if (input.daemons.length > 0) {
    const t = new Layout();
    t.row('Transfer queue');
    t.panel('Requests by state', [{ expr: `sum by (state) (${input.transferQueueMetric})`, legend: '{{state}}' }]);
    t.panel('Queued requests by activity', [
      { expr: `sum by (activity) (${input.transferQueueMetric}{state="queued"})`, legend: '{{activity}}' },
    ]);
    t.panel('Submitted requests by FTS host', [
      { expr: `sum by (external_host) (${input.transferQueueMetric}{state="submitted"})`, legend: '{{external_host}}' },
    ]);
    t.row('Deletion');
    t.panel('Deletion backlog', [{ expr: `sum(${input.deletionBacklogMetric})`, legend: 'deletable replicas' }]);
    t.panel(
      'Deletions done',
      [
        {
          expr: `sum by (release) (rate(rucio_daemons_reaper_reaper_deletion_done_total{${ns}}[5m]))`,
          legend: '{{release}}',
        },
      ],
      'ops',
    );
    out.transfers = dashboard(input, 'transfers', 'transfers and deletions', t);
  }

  if (input.servers.length > 0) {
    const l = new Layout();
    for (const s of [...input.servers].sort(byRelease)) {
      const sel = `${ns}, release=${promString(s.release)}`;
      l.row(`Server ${s.release}`);
      l.panel(
        `${s.release}: requests`,
        [{ expr: `sum(rate(apache_accesses_total{${sel}}[5m]))`, legend: 'requests/s' }],
        'reqps',
      );
      l.panel(`${s.release}: httpd workers`, [
        { expr: `sum by (state) (apache_workers{${sel}})`, legend: '{{state}}' },
      ]);
      l.panel(`${s.release}: CPU`, [
        {
          expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${ns}, pod=~${promString(`${s.fullname}-.*`)}, container="rucio-server"}[5m]))`,
          legend: '{{pod}}',
        },
      ]);
    }
    if (input.haproxy) {
      l.row('Load balancer');
      l.panel(
        'Responses by code and backend',
        [
          {
            expr: 'sum by (proxy, code) (rate(haproxy_backend_http_responses_total[5m]))',
            legend: '{{proxy}} {{code}}',
          },
        ],
        'reqps',
      );
    }
    out.servers = dashboard(input, 'servers', 'servers', l);
  }

  if (input.pushgateway) {
    const l = new Layout();
    l.row('Probes');
    l.panel('Seconds since last push', [{ expr: 'time() - push_time_seconds', legend: '{{job}}' }], 's');
    l.panel('Failed pushes', [{ expr: 'push_failure_time_seconds > push_time_seconds', legend: '{{job}}' }]);
    l.panel('Probe results', [{ expr: '{__name__=~"rucio_probes_.+"}', legend: '{{__name__}} {{job}}' }]);
    out.probes = dashboard(input, 'probes', 'probes', l);
  }
  return out;
}

export interface DashboardsProps extends DashboardInput {
  /** Labels of the ConfigMaps (Grafana's sidecar finds dashboards by one of them). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The Grafana folder of the dashboards (the `grafana_folder` annotation).
   * @default - Grafana's default folder
   */
  readonly folder?: string;
}

/** One ConfigMap `rucio-dashboard-<kind>` per dashboard. */
export class RucioDashboards extends Construct {
  readonly dashboards: Record<string, Dashboard>;

  constructor(scope: Construct, id: string, props: DashboardsProps) {
    super(scope, id);
    this.dashboards = dashboardJson(props);
    for (const [kind, json] of Object.entries(this.dashboards)) {
      const cm: IConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `rucio-dashboard-${kind}`,
          labels: sortedMap({ ...props.labels }),
          ...(props.folder ? { annotations: { grafana_folder: props.folder } } : {}),
        },
        data: { [`rucio-${props.environment}-${kind}.json`]: `${JSON.stringify(json, null, 2)}\n` },
      };
      kubeObject<IConfigMap>(this, kind, cm);
    }
  }
}
