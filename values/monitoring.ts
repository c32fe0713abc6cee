/**
 * The environment's `monitoring` key: how Prometheus scrapes the Rucio pods, which alerts it evaluates (with their
 * thresholds), and the Grafana dashboards. Every default lives in `MONITORING_DEFAULTS`.
 *
 * Metric names (see `constructs/observability/prometheus-rules.ts` for how each alert uses them):
 * - `up`, scraped from the pods (the PodMonitors copy the pod labels `rucio-daemon`, `release`, `app` to the target
 *   labels `rucio_daemon`, `release`, `app`; the community chart's `labelmap` does the same in annotations mode);
 * - `kube_deployment_status_replicas_unavailable` (kube-state-metrics);
 * - `conveyor_queues_requests{state,activity,external_host}`: pushed to the Pushgateway by the rucio/probes
 *   `check_transfer_queues_status` probe (states `queued`, `submitted`, `done`, `failed`, …);
 * - `rucio_probes_judge_deletable_files{rse}`: ASSUMED name. No upstream probe pushes the deletion backlog to
 *   Prometheus today (`check_deletable_files_per_rse` records the statsd gauge `judge.deletable_files.<rse>`); a probe
 *   writing it through `PrometheusPusher` (prefix `rucio.probes`) would produce this name. Per environment.
 * - `push_time_seconds{job}`: the Pushgateway's own timestamp of the last push of each group;
 * - `haproxy_backend_http_responses_total{proxy,code}` and `haproxy_backend_active_servers{proxy}`: HAProxy's built-in
 *   Prometheus exporter. The servers' 5xx rate is measured at HAProxy because neither httpd's server-status nor
 *   Rucio's own server metrics count responses by status code.
 */
import { z } from 'zod';
import { dnsLabel, labels } from './common.js';

/** A Prometheus duration (`30s`, `15m`, `2h`). */
export const promDuration = z
  .string()
  .regex(/^[0-9]+(ms|s|m|h|d|w|y)$/, 'expected a Prometheus duration such as 30s, 15m or 2h');
/** A Prometheus metric name. */
export const metricName = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a Prometheus metric name (letters, digits, "_" and ":")');
const severity = z.enum(['critical', 'warning', 'info']);

/** Every default of the `monitoring` key. */
export const MONITORING_DEFAULTS = {
  scrape: { mode: 'operator', interval: '30s' },
  /** `[monitor]` options merged under every daemons release's config unless the environment sets them. */
  daemonMetricsConfig: { enable_metrics: true, metrics_port: 8080 },
  alerts: {
    daemonUnavailable: { for: '15m', severity: 'warning' },
    daemonNotReporting: { for: '10m', severity: 'warning' },
    transferQueue: {
      metric: 'conveyor_queues_requests',
      threshold: 50000,
      growthWindow: '1h',
      for: '30m',
      severity: 'warning',
    },
    deletionBacklog: {
      metric: 'rucio_probes_judge_deletable_files',
      threshold: 1000000,
      growthWindow: '6h',
      for: '1h',
      severity: 'warning',
    },
    staleProbes: { maxAgeSeconds: 7200, for: '15m', severity: 'warning' },
    server5xx: { ratio: 0.05, window: '5m', for: '10m', severity: 'critical' },
    haproxyBackendDown: { for: '2m', severity: 'critical' },
    webuiUnavailable: { for: '5m', severity: 'warning' },
  },
  dashboards: { labels: { grafana_dashboard: '1' } },
} as const;

const A = MONITORING_DEFAULTS.alerts;

const alertBase = (d: { for: string; severity: string }) => ({
  /**
   * `false` leaves this alert out. An alert whose series nothing in the environment scrapes is left out anyway;
   * `true` written for one is an error (see docs/monitoring-and-autoscaling.md).
   */
  enabled: z.boolean().default(true),
  /** How long the condition must hold before the alert fires. */
  for: promDuration.default(d.for),
  severity: severity.default(d.severity as z.infer<typeof severity>),
});

const growth = (d: typeof A.transferQueue | typeof A.deletionBacklog) =>
  z
    .strictObject({
      ...alertBase(d),
      /** The gauge holding the backlog (summed over all its series). */
      metric: metricName.default(d.metric),
      /** The backlog above which a growing backlog alerts. */
      threshold: z.number().nonnegative().default(d.threshold),
      /** Growing means: larger now than this long ago. */
      growthWindow: promDuration.default(d.growthWindow),
    })
    .prefault({});

/** The `monitoring` key of an environment. */
export const monitoringSchema = z.strictObject({
  /** Namespace of the monitoring objects (ServiceMonitor, PodMonitor, PrometheusRule, dashboards); default: the environment's. */
  namespace: dnsLabel.optional(),
  /** Put `[monitor] enable_metrics: true` and `metrics_port: 8080` under every daemons release unless it sets them. */
  daemonMetrics: z.boolean().default(true),
  scrape: z
    .strictObject({
      /**
       * `operator`: PodMonitors for the Rucio pods and a ServiceMonitor for the Pushgateway (Prometheus Operator);
       * `annotations`: `prometheus.io/scrape|port|path` pod annotations (community `prometheus` chart); `none`.
       */
      mode: z.enum(['operator', 'annotations', 'none']).default(MONITORING_DEFAULTS.scrape.mode),
      /** Labels the environment's Prometheus selects monitors and rules by (e.g. `release: kube-prometheus-stack`). */
      labels: labels.default({}),
      /** Scrape interval of the daemons (servers use their release's `monitoring.interval`). */
      interval: promDuration.default(MONITORING_DEFAULTS.scrape.interval),
    })
    .prefault({}),
  /** Scrape the Pushgateway (honorLabels). Default: when the environment has a `pushgateway`; `true` without one is an error. */
  pushgateway: z.strictObject({ scrape: z.boolean().optional() }).prefault({}),
  alerts: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Extra labels on every alert (routing in Alertmanager). */
      labels: labels.default({}),
      daemonUnavailable: z.strictObject(alertBase(A.daemonUnavailable)).prefault({}),
      daemonNotReporting: z.strictObject(alertBase(A.daemonNotReporting)).prefault({}),
      transferQueue: growth(A.transferQueue),
      deletionBacklog: growth(A.deletionBacklog),
      staleProbes: z
        .strictObject({
          ...alertBase(A.staleProbes),
          maxAgeSeconds: z.number().int().min(60).default(A.staleProbes.maxAgeSeconds),
        })
        .prefault({}),
      server5xx: z
        .strictObject({
          ...alertBase(A.server5xx),
          /** Fraction of responses that are 5xx above which the alert fires. */
          ratio: z.number().gt(0).max(1).default(A.server5xx.ratio),
          window: promDuration.default(A.server5xx.window),
        })
        .prefault({}),
      haproxyBackendDown: z.strictObject(alertBase(A.haproxyBackendDown)).prefault({}),
      /** No pod of a WebUI release available (kube-state-metrics). */
      webuiUnavailable: z.strictObject(alertBase(A.webuiUnavailable)).prefault({}),
    })
    .prefault({}),
  dashboards: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Labels Grafana's dashboard sidecar loads ConfigMaps by. */
      labels: labels.default({ ...MONITORING_DEFAULTS.dashboards.labels }),
      /** `grafana_folder` annotation for the sidecar's folder support. */
      folder: z.string().min(1).optional(),
    })
    .prefault({}),
});

/** The `monitoring` key, fully defaulted. */
export type MonitoringValues = z.infer<typeof monitoringSchema>;
