/**
 * Prometheus Operator scrape objects of an environment: a PodMonitor per daemons release (the daemons have no
 * Service; the chart's NodePort Service is not needed), a PodMonitor per server release (the apache exporter and
 * Rucio's own metrics), and a ServiceMonitor for the Pushgateway with `honorLabels` (the pushed `job`/`instance` labels
 * are the probes', not the gateway's), and a PodMonitor `haproxy` for the in-cluster HAProxy's exporter (`/metrics` on
 * its stats port).
 *
 * Every PodMonitor copies the pod labels `rucio-daemon`, `release` and `app` to the target labels `rucio_daemon`,
 * `release` and `app`, the names the community chart's `labelmap` gives them in annotations mode, so alerts and
 * dashboards work with either scrape mode.
 */
import { Construct } from 'constructs';
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { sortedMap } from '../shared/rucio-pod.js';
import { kubeObject } from '../shared/objects.js';

/** One relabeling rule of a PodMonitor endpoint, as the Prometheus Operator's model types it. */
export type RelabelConfig = NonNullable<
  NonNullable<NonNullable<IPodMonitor['spec']>['podMetricsEndpoints']>[number]['relabelings']
>[number];

/** Where httpd serves Rucio's own server metrics on the `metrics` port (the upstream chart's path). */
export const SERVER_METRICS_PATH = '/metrics/';

/** The pod labels every Rucio target keeps, as target labels. */
const TARGET_LABELS: Readonly<Record<string, string>> = {
  app: 'app',
  release: 'release',
  rucio_daemon: 'rucio-daemon',
};

function labelRelabelings(): RelabelConfig[] {
  return Object.entries(TARGET_LABELS).map(([target, podLabel]) => ({
    action: 'replace' as const,
    sourceLabels: [`__meta_kubernetes_pod_label_${podLabel.replace(/[^a-zA-Z0-9_]/g, '_')}`],
    targetLabel: target,
  }));
}

/** What one daemons release exposes. */
export interface DaemonsTarget {
  readonly release: string;
  /** The `app-group` pod label of the release's daemons. */
  readonly appGroup: string;
  /** `rucio-daemon` label values of the daemons that publish metrics. */
  readonly daemons: readonly string[];
  readonly interval: string;
  readonly relabelings: readonly RelabelConfig[];
  readonly metricRelabelings: readonly RelabelConfig[];
}

/** What one server release exposes. */
export interface ServerTarget {
  readonly release: string;
  readonly fullname: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly interval: string;
  readonly telemetryPath: string;
  readonly relabelings: readonly RelabelConfig[];
  readonly metricRelabelings: readonly RelabelConfig[];
}

export interface ServiceMonitorsProps {
  /** The namespace of the Rucio pods (and of the Pushgateway). */
  readonly targetNamespace: string;
  /** Labels the environment's Prometheus selects monitors by. */
  readonly labels: Readonly<Record<string, string>>;
  /** The daemons releases with metrics: a PodMonitor each. */
  readonly daemons: readonly DaemonsTarget[];
  /** The server releases with metrics: a ServiceMonitor each. */
  readonly servers: readonly ServerTarget[];
  /** Scrape the Pushgateway (Service `pushgateway`, port `http`). */
  readonly pushgateway: boolean;
  /** How often Prometheus scrapes the Pushgateway (`30s`). */
  readonly pushgatewayInterval: string;
  /**
   * The in-cluster HAProxy to scrape: its pod labels, the container port of its stats frontend and the interval.
   * @default - no HAProxy monitor
   */
  readonly haproxy?: {
    readonly selector: Readonly<Record<string, string>>;
    readonly port: string;
    readonly interval: string;
  };
}

/** The scrape objects of an environment. */
export class RucioServiceMonitors extends Construct {
  constructor(scope: Construct, id: string, props: ServiceMonitorsProps) {
    super(scope, id);
    const labels = sortedMap({ ...props.labels });
    const namespaceSelector = { matchNames: [props.targetNamespace] };
    for (const d of props.daemons) {
      if (d.daemons.length === 0) continue;
      const monitor: IPodMonitor = {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: `${d.release}-daemons`, labels },
        spec: {
          jobLabel: 'app',
          namespaceSelector,
          selector: {
            matchLabels: { 'app-group': d.appGroup, release: d.release },
            matchExpressions: [{ key: 'rucio-daemon', operator: 'In', values: [...d.daemons].sort() }],
          },
          podMetricsEndpoints: [
            {
              port: 'metrics',
              path: '/metrics',
              interval: d.interval,
              relabelings: [...labelRelabelings(), ...d.relabelings],
              ...(d.metricRelabelings.length > 0 ? { metricRelabelings: [...d.metricRelabelings] } : {}),
            },
          ],
        },
      };
      kubeObject<IPodMonitor>(this, `Daemons-${d.release}`, monitor);
    }
    for (const s of props.servers) {
      const endpoint = (port: string, path: string) => ({
        port,
        path,
        interval: s.interval,
        relabelings: [...labelRelabelings(), ...s.relabelings],
        ...(s.metricRelabelings.length > 0 ? { metricRelabelings: [...s.metricRelabelings] } : {}),
      });
      const monitor: IPodMonitor = {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: s.fullname, labels },
        spec: {
          jobLabel: 'app',
          namespaceSelector,
          selector: { matchLabels: { ...s.selector } },
          podMetricsEndpoints: [endpoint('exporter', s.telemetryPath), endpoint('metrics', SERVER_METRICS_PATH)],
        },
      };
      kubeObject<IPodMonitor>(this, `Server-${s.release}`, monitor);
    }
    if (props.haproxy) {
      const monitor: IPodMonitor = {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: 'haproxy', labels },
        spec: {
          namespaceSelector,
          selector: { matchLabels: { ...props.haproxy.selector } },
          podMetricsEndpoints: [{ port: props.haproxy.port, path: '/metrics', interval: props.haproxy.interval }],
        },
      };
      kubeObject<IPodMonitor>(this, 'Haproxy', monitor);
    }
    if (props.pushgateway) {
      const monitor: IServiceMonitor = {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'pushgateway', labels },
        spec: {
          namespaceSelector,
          selector: { matchLabels: { 'app.kubernetes.io/name': 'pushgateway' } },
          endpoints: [{ port: 'http', path: '/metrics', interval: props.pushgatewayInterval, honorLabels: true }],
        },
      };
      kubeObject<IServiceMonitor>(this, 'Pushgateway', monitor);
    }
  }
}
