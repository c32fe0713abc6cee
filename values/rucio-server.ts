/**
 * Values of one rucio-server release (chart 40 keys). A release serves one kind of server; what it serves is chosen
 * by `config.api.endpoints` (API, auth and trace servers are three releases).
 */
import { z } from 'zod';
import { annotationMap } from './kubernetes.js';
import {
  affinity,
  dnsSubdomain,
  imageSchema,
  labels,
  nodeSelector,
  releaseShared,
  resources,
  toleration,
} from './common.js';
import { outputSchema } from './charts.js';
import { IMAGES } from './images.js';

/** The httpd settings the server image's templates read, each becoming `RUCIO_HTTPD_<KEY>`. */
export const HTTPD_KEYS = [
  'mpm_mode',
  'timeout',
  'enable_status',
  'keep_alive',
  'keep_alive_timeout',
  'max_keep_alive_requests',
  'server_limit',
  'start_servers',
  'threads_limit',
  'threads_per_child',
  'min_spare_threads',
  'max_spare_threads',
  'max_request_workers',
  'max_connections_per_child',
  'max_clients',
  'max_requests_per_child',
  'encoded_slashes',
  'legacy_dn',
  'grid_site_enabled',
  'proxy_protocol_enabled',
  'proxy_protocol_exceptions',
] as const;

const httpdValue = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)));

/** `httpd_config`: strict, only the keys the image reads (numbers and booleans are turned into the strings httpd wants). */
export const httpdConfig = z.strictObject(
  Object.fromEntries([
    ...HTTPD_KEYS.map((k) => [k, httpdValue.optional()]),
    ['mpm_mode', z.enum(['event', 'worker', 'prefork']).optional()],
  ]) as Record<(typeof HTTPD_KEYS)[number], z.ZodOptional<typeof httpdValue>>,
);

const probeTimings = (d: {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}) =>
  z
    .strictObject({
      initialDelaySeconds: z.number().int().nonnegative().default(d.initialDelaySeconds),
      periodSeconds: z.number().int().min(1).default(d.periodSeconds),
      timeoutSeconds: z.number().int().min(1).default(d.timeoutSeconds),
      failureThreshold: z.number().int().min(1).default(d.failureThreshold),
    })
    .prefault({});

const port = z.number().int().min(1).max(65535);

/** The default tab-separated access log format (`RUCIO_LOG_FORMAT`), as the chart ships it. */
export const DEFAULT_LOG_FORMAT =
  '[%{%Y-%m-%d %H:%M:%S}t]\\t%v\\t%h\\t%{X-Forwarded-For}i\\t%{X-Rucio-RequestId}i\\t%>s\\t%I\\t%B\\t%D\\t\\"%r\\"\\t\\"%{X-Rucio-Account}i\\"\\t\\"%{User-Agent}i\\"\\t%{X-Rucio-Script}i';

/** Defaults of a server release. */
export const SERVER_DEFAULTS = {
  serverResources: { requests: { cpu: '750m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
  metricsExporterResources: { requests: { cpu: '20m', memory: '20Mi' }, limits: { cpu: '30m', memory: '50Mi' } },
  errorLogsExporterResources: { requests: { cpu: '20m', memory: '20Mi' }, limits: { cpu: '30m', memory: '50Mi' } },
  readinessProbe: { initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  livenessProbe: { initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
} as const;

/** One rucio-server release. */
export const rucioServerSchema = z.strictObject({
  ...releaseShared,
  /** What synth writes for this release (default: the environment's `output`, else manifests). */
  output: outputSchema.optional(),
  /** Pods of this server; 0 renders nothing of the release. */
  replicaCount: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(1)
    .describe('Pods of this server; 0 renders nothing of the release'),
  image: imageSchema(IMAGES.rucioServer).describe('The server image; the tag pins the Rucio release'),
  /** Serve HTTPS on 443 with mod_ssl (health check on 444); needed for X.509 client authentication. */
  useSSL: z
    .boolean()
    .default(false)
    .describe('Serve HTTPS on 443 with mod_ssl (health check on 444); needed for X.509 client authentication'),
  /** A kubernetes.io/tls Secret mounted as the host certificate and key. */
  tlsSecretName: dnsSubdomain.optional().describe('A kubernetes.io/tls Secret mounted as the host certificate and key'),
  /** The host name clients use (external-dns annotation, `RUCIO_HOSTNAME`). */
  hostname: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a host name')
    .optional()
    .describe('The host name clients use (external-dns annotation, `RUCIO_HOSTNAME`)'),
  /** Sets `RUCIO_SERVER_TYPE`; the current image ignores it. */
  serverType: z
    .enum(['api', 'flask'])
    .default('api')
    .describe('Sets `RUCIO_SERVER_TYPE`; the current image ignores it'),
  /** A sidecar that tails httpd's global error log, so `kubectl logs -c httpd-error-log` shows it. */
  exposeErrorLogs: z
    .boolean()
    .default(true)
    .describe("A sidecar that tails httpd's global error log, so `kubectl logs -c httpd-error-log` shows it"),
  errorLogsExporterResources: resources
    .default(SERVER_DEFAULTS.errorLogsExporterResources)
    .describe('Resources of the httpd-error-log sidecar'),
  service: z
    .strictObject({
      type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP'),
      port: port.default(80),
      targetPort: z.union([port, z.enum(['http', 'https'])]).default('http'),
      protocol: z.enum(['TCP']).default('TCP'),
      name: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
        .max(15)
        .default('http'),
      annotations: annotationMap.default({}),
      loadBalancerIP: z.ipv4().optional(),
      loadBalancerClass: z.string().optional(),
      externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
      allocateLoadBalancerNodePorts: z.boolean().optional(),
      useExternalDNS: z.boolean().default(false),
    })
    .prefault({})
    .describe('The Service in front of the pods (type, port, targetPort, loadBalancerIP, …)'),
  ingress: z
    .strictObject({
      enabled: z.boolean().default(false),
      ingressClassName: z.string().optional(),
      annotations: annotationMap.default({}),
      path: z.string().startsWith('/').default('/'),
      hosts: z.array(z.string().min(1)).default([]),
      tls: z.array(z.strictObject({ secretName: dnsSubdomain, hosts: z.array(z.string()).optional() })).default([]),
    })
    .prefault({})
    .describe('An optional Ingress (TLS by Secret name only)'),
  readinessProbe: probeTimings(SERVER_DEFAULTS.readinessProbe).describe(
    'Timings of the readiness probe (GET /ping on the health port)',
  ),
  livenessProbe: probeTimings(SERVER_DEFAULTS.livenessProbe).describe(
    'Timings of the liveness probe (GET /ping on the health port)',
  ),
  /** httpd's access log format (`RUCIO_LOG_FORMAT`). */
  logFormat: z.string().min(1).default(DEFAULT_LOG_FORMAT).describe("httpd's access log format (`RUCIO_LOG_FORMAT`)"),
  wsgi: z
    .strictObject({
      daemonProcesses: z
        .union([z.string().regex(/^[0-9]+$/), z.number().int().min(1)])
        .transform(String)
        .default('4'),
      daemonThreads: z
        .union([z.string().regex(/^[0-9]+$/), z.number().int().min(1)])
        .transform(String)
        .default('4'),
    })
    .prefault({})
    .describe('mod_wsgi daemon processes and threads'),
  httpd_config: httpdConfig
    .default({})
    .describe('httpd settings, each becoming RUCIO_HTTPD_<KEY> (only the keys the image reads)'),
  monitoring: z
    .strictObject({
      /** Rucio's metrics on nativeMetricsPort and the apache exporter on exporterPort; on by default (the chart's is off). */
      enabled: z.boolean().default(true),
      serviceMonitorEnabled: z.boolean().default(true),
      exporterPort: port.default(8080),
      nativeMetricsPort: port.default(8081),
      interval: z
        .string()
        .regex(/^[0-9]+(ms|s|m|h)$/)
        .default('30s'),
      telemetryPath: z.string().startsWith('/').default('/metrics'),
      namespace: z.string().optional(),
      labels: labels.default({}),
      serviceMonitor: z
        .strictObject({
          relabelings: z.array(z.unknown()).default([]),
          metricRelabelings: z.array(z.unknown()).default([]),
        })
        .prefault({}),
    })
    .prefault({})
    .describe("Metrics: Rucio's own on nativeMetricsPort and the apache exporter on exporterPort"),
  metricsExporterResources: resources
    .default(SERVER_DEFAULTS.metricsExporterResources)
    .describe('Resources of the apache-exporter sidecar'),
  serverResources: resources
    .default(SERVER_DEFAULTS.serverResources)
    .describe('Resources of the rucio-server container'),
  nodeSelector: nodeSelector.default({}).describe('Node labels the pods must run on'),
  tolerations: z.array(toleration).default([]).describe('Taints the pods tolerate'),
  affinity: affinity.optional().describe('Pod affinity and anti-affinity'),
  priorityClassName: z.string().min(1).optional().describe("The pods' PriorityClass"),
  terminationGracePeriodSeconds: z
    .number()
    .int()
    .nonnegative()
    .default(30)
    .describe('Seconds httpd gets to finish requests when a pod stops'),
});

/** A rucio-server release, fully defaulted. */
export type RucioServerValues = z.infer<typeof rucioServerSchema>;
