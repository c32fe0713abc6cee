/**
 * Values of one rucio-webui release: the Next.js WebUI served by httpd, chart 40 keys.
 *
 * The chart's contract, as read from rucio/helm-charts `charts/rucio-webui`. Chart 40 itself is not in the stored
 * snapshots; the closest are values.yaml at chart 36.0.4 and the templates of the Next.js rewrite (chart 33 and later:
 * deployment.yaml with `deploymentAnnotations`, _helpers.tpl, ingress.yaml; service.yaml only in an older version, so
 * the Service follows the 36.0.4 `service.*` keys, which are the rucio-server chart's):
 *
 * | chart key                                  | here                                   | becomes                                                |
 * | ------------------------------------------ | -------------------------------------- | ------------------------------------------------------ |
 * | `replicaCount` (1)                         | same                                   | Deployment `replicas`; 0 renders nothing               |
 * | `strategy`, `minReadySeconds` (5)          | same                                   | Deployment                                             |
 * | `image.{repository,tag,pullPolicy}`        | same; tag pinned, pullPolicy IfNotPresent | container image                                      |
 * | `imagePullSecrets`, `imageRegistry`        | same                                   | pod spec, image prefix (busybox sidecars too)          |
 * | `deploymentAnnotations`                    | same                                   | Deployment annotations                                 |
 * | `useSSL` (true)                            | same                                   | port 443 `https`, `RUCIO_WEBUI_ENABLE_SSL`             |
 * | `hostname`                                 | same                                   | external-dns annotation when `service.useExternalDNS`  |
 * | `tlsSecretName`                            | same                                   | hostcert.pem / hostkey.pem from a kubernetes.io/tls Secret |
 * | `service.*`                                | same; port/targetPort/name follow useSSL | the Service `<fullname>`                             |
 * | `ingress.*`                                | same, TLS by Secret name only          | the Ingress `<fullname>` when enabled                  |
 * | `secretMounts`, `hostPathMounts`, `persistentVolumes` | same                        | volumes and mounts                                     |
 * | `config.httpd.<key>`                       | only the keys the image reads          | `RUCIO_HTTPD_<KEY>`                                    |
 * | `config.webui.<key>`                       | only the keys the WebUI reads          | `RUCIO_WEBUI_<KEY>`                                    |
 * | `config.oidc_providers.<p>.<key>`          | same; secrets by `secretKeyRef` only   | `RUCIO_WEBUI_OIDC_PROVIDER_<P>_<KEY>`                  |
 * | `config.vo.<vo>.<key>`                     | same                                   | `RUCIO_WEBUI_VO_<VO>_<KEY>`                            |
 * | `config.logs.{exposeHttpdLogs,exposeWebuiLogs}` | same                              | busybox sidecars tailing httpd's and pm2's logs        |
 * | `optionalConfig`                           | same                                   | literal env vars, names upper-cased                    |
 * | `additionalEnvs`                           | same                                   | env vars (value or valueFrom)                          |
 * | `resources`                                | required, with a default               | the webui container                                    |
 * | `nodeSelector`, `tolerations`, `affinity`, `serviceAccountName` | same              | pod spec                                               |
 * | `nameOverride`, `fullnameOverride`         | same                                   | the Helm fullname rule                                 |
 * | `useDeprecatedImplicitSecrets`             | same (off)                             | `<release>-hostcert`, `-hostkey`, `-cafile` Secrets    |
 *
 * The WebUI's own additions, beyond the chart: `podAnnotations`, `podLabels`, readiness and liveness probes
 * (`GET /` on the serving port; the chart has none), `logSidecarResources`, and a `checksum/config` pod annotation.
 */
import { z } from 'zod';
import {
  affinity,
  dnsSubdomain,
  envVar,
  hostPathMount,
  imageSchema,
  labels,
  nodeSelector,
  persistentVolumes,
  releaseShared,
  resources,
  secretKeyRef,
  secretMount,
  strategy,
  toleration,
} from './common.js';
import { outputSchema } from './charts.js';
import { IMAGES } from './images.js';

const port = z.number().int().min(1).max(65535);

/** A literal env value as the chart quotes it: booleans become `True`/`False`, numbers their decimal text. */
const literal = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)));

/** A WebUI setting: a literal, or `{secretKeyRef: {name, key}}` read from an existing Secret at run time. */
export const webuiValue = z.union([literal, secretKeyRef]);
export type WebuiValue = z.infer<typeof webuiValue>;

/** The httpd settings the webui image reads (`RUCIO_HTTPD_<KEY>`), with the chart's defaults. */
export const WEBUI_HTTPD_DEFAULTS = {
  mpm_mode: 'event',
  start_servers: '1',
  min_spare_threads: '1',
  max_spare_threads: '20',
  threads_per_child: '5',
  max_clients: '20',
  max_requests_per_child: '8192',
  timeout: '300',
  min_spare_servers: '1',
  max_spare_servers: '5',
  server_limit: '10',
  keep_alive: 'On',
  keep_alive_timeout: '5',
  max_keep_alive_requests: '128',
  threads_limit: '128',
  max_request_workers: '1280',
  max_connections_per_child: '2048',
} as const;

/** `config.webui` keys the WebUI reads (`RUCIO_WEBUI_<KEY>`), with the chart's defaults where it has a sensible one. */
export const WEBUI_CONFIG_DEFAULTS = {
  project_url: 'https://rucio.cern.ch',
  params_encoding_enabled: 'False',
  enable_userpass_login: 'True',
  rule_activity: 'User Subscriptions',
  multivo_enabled: 'False',
  vo_list: 'def',
  vo_default: 'def',
  oidc_enabled: 'False',
  oidc_providers: '',
} as const;

/** Defaults of a WebUI release, in one place. */
export const WEBUI_DEFAULTS = {
  replicaCount: 1,
  useSSL: true,
  resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  logSidecarResources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '64Mi' } },
  readinessProbe: { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  livenessProbe: { initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
  vo: { def: { name: 'default', oidc_enabled: 'False', oidc_providers: '' } },
} as const;

/**
 * Keys of the environment's `common` layer that are merged under every WebUI release. The rest of `common` is for
 * the Rucio server and daemons (rucio.cfg, the FTS proxy mounts, `optional_config`, the jobs, the Rucio image tag:
 * the WebUI has its own image and release numbers).
 */
export const WEBUI_COMMON_KEYS = [
  'imagePullSecrets',
  'imageRegistry',
  'serviceAccountName',
  'deploymentAnnotations',
  'podAnnotations',
  'podLabels',
  'strategy',
  'minReadySeconds',
] as const;

/** Keys of `common.image` merged under every WebUI release (not the tag: the WebUI has its own release numbers). */
export const WEBUI_COMMON_IMAGE_KEYS = ['pullPolicy'] as const;

const hostUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(:[0-9]+)?\/?$/, 'expected a URL with scheme and host, e.g. https://rucio.example.org');

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

/** An upper-case env var name segment made of a map key (`cern` → `CERN`); the chart snake-cases it. */
const envSegment = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_]*$/, 'expected a lowercase name (a-z, 0-9 and "_"): it becomes part of an env var name');

/** One OIDC provider of the WebUI; `client_secret` only by reference. */
export const oidcProviderSchema = z.strictObject({
  client_id: webuiValue.optional(),
  /** The client secret: `{secretKeyRef: {name, key}}`, never a literal. */
  client_secret: webuiValue.optional(),
  authorization_url: webuiValue.optional(),
  token_url: webuiValue.optional(),
  refresh_token_url: webuiValue.optional(),
  userinfo_url: webuiValue.optional(),
  redirect_url: webuiValue.optional(),
  icon_url: webuiValue.optional(),
});

/** One VO of a multi-VO WebUI. */
export const webuiVoSchema = z.strictObject({
  name: webuiValue.optional(),
  logo: webuiValue.optional(),
  oidc_enabled: webuiValue.optional(),
  oidc_providers: webuiValue.optional(),
});

const webuiConfig = z.strictObject({
  /** URL of the Rucio API server the WebUI calls (`RUCIO_WEBUI_RUCIO_HOST`); required. */
  rucio_host: hostUrl.describe('URL of the Rucio API server the WebUI calls (`RUCIO_WEBUI_RUCIO_HOST`); required'),
  /** URL of the Rucio auth server (`RUCIO_WEBUI_RUCIO_AUTH_HOST`); required. */
  rucio_auth_host: hostUrl.describe('URL of the Rucio auth server (`RUCIO_WEBUI_RUCIO_AUTH_HOST`); required'),
  /** The WebUI's public host name, without scheme (`RUCIO_WEBUI_HOSTNAME`); required. */
  hostname: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?$/, 'expected a host name without scheme (rucio-ui.example.org)')
    .describe('The public host name of the WebUI, without scheme (`RUCIO_WEBUI_HOSTNAME`); required'),
  project_url: webuiValue.default(WEBUI_CONFIG_DEFAULTS.project_url),
  params_encoding_enabled: webuiValue.default(WEBUI_CONFIG_DEFAULTS.params_encoding_enabled),
  enable_userpass_login: webuiValue.default(WEBUI_CONFIG_DEFAULTS.enable_userpass_login),
  community_logo_url: webuiValue.optional(),
  rule_activity: webuiValue.default(WEBUI_CONFIG_DEFAULTS.rule_activity),
  multivo_enabled: webuiValue.default(WEBUI_CONFIG_DEFAULTS.multivo_enabled),
  vo_list: webuiValue.default(WEBUI_CONFIG_DEFAULTS.vo_list),
  vo_default: webuiValue.default(WEBUI_CONFIG_DEFAULTS.vo_default),
  oidc_enabled: webuiValue.default(WEBUI_CONFIG_DEFAULTS.oidc_enabled),
  oidc_providers: webuiValue.default(WEBUI_CONFIG_DEFAULTS.oidc_providers),
  /** A CA bundle (a mounted path) that verifies the Rucio servers' certificates. */
  server_ca_bundle: webuiValue.optional(),
  list_dids_initial_pattern: webuiValue.optional(),
});

/** `config.httpd`: strict, only the keys the image reads, each with the chart's default. */
const webuiHttpd = z.strictObject({
  ...(Object.fromEntries(Object.entries(WEBUI_HTTPD_DEFAULTS).map(([k, v]) => [k, literal.default(v)])) as Record<
    keyof typeof WEBUI_HTTPD_DEFAULTS,
    z.ZodDefault<typeof literal>
  >),
  mpm_mode: z.enum(['event', 'worker', 'prefork']).default(WEBUI_HTTPD_DEFAULTS.mpm_mode),
  server_admin: literal.optional(),
});

/** One rucio-webui release. */
export const rucioWebuiSchema = z.strictObject({
  /** What synth writes for this release (default: the environment's `output`, else manifests). */
  output: outputSchema.optional(),
  fullnameOverride: releaseShared.fullnameOverride,
  nameOverride: releaseShared.nameOverride,
  /** Pods of the WebUI; 0 renders nothing of the release. */
  replicaCount: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(WEBUI_DEFAULTS.replicaCount)
    .describe('Pods of the WebUI; 0 renders nothing of the release'),
  strategy: strategy.describe('How the Deployment rolls (RollingUpdate with maxSurge/maxUnavailable 1, or Recreate)'),
  minReadySeconds: releaseShared.minReadySeconds,
  image: imageSchema(IMAGES.rucioWebui).describe('The WebUI image; the tag pins the WebUI release'),
  imagePullSecrets: releaseShared.imagePullSecrets,
  imageRegistry: releaseShared.imageRegistry,
  deploymentAnnotations: releaseShared.deploymentAnnotations,
  podAnnotations: releaseShared.podAnnotations,
  podLabels: releaseShared.podLabels,
  /** Serve HTTPS on 443 (`RUCIO_WEBUI_ENABLE_SSL`); needs a host certificate (`tlsSecretName` or `secretMounts`). */
  useSSL: z
    .boolean()
    .default(WEBUI_DEFAULTS.useSSL)
    .describe('Serve HTTPS on 443 (`RUCIO_WEBUI_ENABLE_SSL`); needs a host certificate (tlsSecretName)'),
  /** The host name clients use (the external-dns annotation of the Service). */
  hostname: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a host name')
    .optional()
    .describe('The host name clients use (external-dns annotation of the Service)'),
  /** A kubernetes.io/tls Secret mounted as /etc/grid-security/hostcert.pem and hostkey.pem. */
  tlsSecretName: dnsSubdomain
    .optional()
    .describe('A kubernetes.io/tls Secret mounted as /etc/grid-security/hostcert.pem and hostkey.pem'),
  service: z
    .strictObject({
      type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP'),
      /** Default 443 with useSSL, else 80. */
      port: port.optional(),
      /** Default the container port `https` with useSSL, else `http`. */
      targetPort: z.union([port, z.enum(['http', 'https'])]).optional(),
      protocol: z.enum(['TCP']).default('TCP'),
      /** Default `https` with useSSL, else `http`. */
      name: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
        .max(15)
        .optional(),
      annotations: labels.default({}),
      loadBalancerIP: z.ipv4().optional(),
      loadBalancerClass: z.string().optional(),
      externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
      allocateLoadBalancerNodePorts: z.boolean().optional(),
      useExternalDNS: z.boolean().default(false),
    })
    .prefault({})
    .describe('The Service in front of the pods (port 443/https with useSSL, else 80/http, unless set)'),
  useDeprecatedImplicitSecrets: z
    .boolean()
    .default(false)
    .describe('With useSSL, mount the Secrets `<release>-hostcert`, `-hostkey` and `-cafile` (off: name them instead)'),
  ingress: z
    .strictObject({
      enabled: z.boolean().default(false),
      ingressClassName: z.string().optional(),
      annotations: labels.default({}),
      path: z.string().startsWith('/').default('/'),
      hosts: z.array(z.string().min(1)).default([]),
      tls: z.array(z.strictObject({ secretName: dnsSubdomain, hosts: z.array(z.string()).optional() })).default([]),
    })
    .prefault({})
    .describe('An optional Ingress (TLS by Secret name only)'),
  secretMounts: z
    .array(secretMount)
    .default([])
    .describe('Secrets mounted into the WebUI container: secretName (prefixed with the release) or secretFullName'),
  hostPathMounts: z.array(hostPathMount).default([]).describe('Node directories mounted into the WebUI container'),
  persistentVolumes: persistentVolumes.default({}).describe('Existing PersistentVolumeClaims mounted by volume name'),
  config: z
    .strictObject({
      httpd: webuiHttpd.prefault({}).describe("httpd settings, each becoming RUCIO_HTTPD_<KEY> (the chart's defaults)"),
      webui: webuiConfig.describe('WebUI settings, each becoming RUCIO_WEBUI_<KEY>'),
      oidc_providers: z
        .record(envSegment, oidcProviderSchema)
        .default({})
        .describe('OIDC providers by name: RUCIO_WEBUI_OIDC_PROVIDER_<P>_<KEY>; client_secret by secretKeyRef'),
      vo: z
        .record(envSegment, webuiVoSchema)
        .default(WEBUI_DEFAULTS.vo)
        .describe('VOs by short name: RUCIO_WEBUI_VO_<VO>_<KEY>'),
      logs: z
        .strictObject({
          /** A sidecar printing httpd's error log. */
          exposeHttpdLogs: z.boolean().default(true),
          /** A sidecar printing the WebUI's (pm2's) output and error logs. */
          exposeWebuiLogs: z.boolean().default(true),
        })
        .prefault({})
        .describe("Sidecars that print httpd's error log and the WebUI's logs (kubectl logs, filebeat)"),
    })
    .describe('The WebUI configuration: httpd, webui, oidc_providers, vo, logs'),
  /** Literal env vars: each key is upper-cased (`rucio_ca_path` → `RUCIO_CA_PATH`). */
  optionalConfig: z
    .record(
      z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected an environment variable name'),
      z.union([z.string(), z.number(), z.boolean()]),
    )
    .default({})
    .describe('Literal env vars, names upper-cased'),
  additionalEnvs: z
    .array(envVar)
    .default([])
    .describe('Extra env vars (value or valueFrom), e.g. a session secret by valueFrom.secretKeyRef'),
  resources: resources.default(WEBUI_DEFAULTS.resources).describe('Resources of the WebUI container'),
  logSidecarResources: resources
    .default(WEBUI_DEFAULTS.logSidecarResources)
    .describe('Resources of each log sidecar (config.logs)'),
  readinessProbe: probeTimings(WEBUI_DEFAULTS.readinessProbe).describe(
    'Timings of the readiness probe (GET / on the serving port)',
  ),
  livenessProbe: probeTimings(WEBUI_DEFAULTS.livenessProbe).describe(
    'Timings of the liveness probe (GET / on the serving port)',
  ),
  serviceAccountName: releaseShared.serviceAccountName,
  nodeSelector: nodeSelector.default({}).describe('Node labels the pods must run on'),
  tolerations: z.array(toleration).default([]).describe('Taints the pods tolerate'),
  affinity: affinity.optional().describe('Pod affinity and anti-affinity'),
});

/** A rucio-webui release, fully defaulted. */
export type RucioWebuiValues = z.infer<typeof rucioWebuiSchema>;

/** Cross-field rules of a WebUI release; issues carry the path to edit, below the release. */
export function webuiIssues(
  values: RucioWebuiValues,
  addIssue: (path: (string | number)[], message: string) => void,
): void {
  const cert =
    values.tlsSecretName !== undefined ||
    values.useDeprecatedImplicitSecrets ||
    values.secretMounts.some((m) => m.mountPath === '/etc/grid-security/hostcert.pem');
  if (values.useSSL && !cert && values.replicaCount > 0) {
    addIssue(
      [],
      'useSSL (on by default, as in the chart) serves HTTPS but no host certificate is mounted: set tlsSecretName (a kubernetes.io/tls Secret), or useSSL: false',
    );
  }
}
