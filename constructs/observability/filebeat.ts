/**
 * filebeat: a DaemonSet on every node shipping the Rucio pods' container logs to the external logstash, with the
 * Kubernetes metadata the seed's dashboards group by (pod, node, namespace, the `app-group`/`rucio-daemon` labels),
 * JSON decoding of Rucio's JSON log lines, health-check noise and database connection strings dropped, and its
 * registry on the node so a restart neither loses nor re-ships lines. RBAC: get/list/watch of pods, namespaces and
 * nodes, nothing else.
 */
import { type ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { z } from 'zod';
import type { FilebeatValues } from '../../values/filebeat.js';
import { imageRef } from '../../values/images.js';
import { checksum } from '../shared/rucio-config.js';
import { toYamlText } from '../shared/yaml-text.js';
import { declare, declareImageNeeds, IMAGE_NEEDS } from '../shared/declarations.js';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { kubeObject } from '../shared/objects.js';
import { podTemplate } from '../shared/workload.js';

/** Where the image reads its configuration, and where the registry lives. */
const FILEBEAT_CONFIG_PATH = '/usr/share/filebeat/filebeat.yml';
const FILEBEAT_DATA_PATH = '/usr/share/filebeat/data';
const TLS_PATH = '/etc/filebeat/tls';
const MONITORING_PORT = 5066;

/** Pod labels copied into every event (`kubernetes.labels.*`): what the dashboards group by. */
const FILEBEAT_LABELS = ['app', 'app-group', 'app.kubernetes.io/name', 'release', 'rucio-daemon'] as const;

/**
 * Lines that carry a database connection string, or any URL with a user and password in it: never shipped. Written
 * in the subset of regular expressions that Go (filebeat) and JavaScript (the tests) read alike.
 */
export const SECRET_LINE_PATTERNS = [
  '(oracle|postgresql|postgres|mysql|mariadb|mssql|sqlite)(\\+[A-Za-z0-9_]+)?://',
  '[A-Za-z][A-Za-z0-9+.-]*://[^/\\s:@]+:[^/\\s@]+@',
] as const;

/** Health-check noise: the kubelet's probes and `/ping` requests (kubelet, HAProxy). */
export const HEALTH_CHECK_PATTERNS = ['kube-probe/', '"(GET|HEAD) /ping[ ?]'] as const;

/** Rucio's JSON log lines (`config.common.logjson`). */
export const JSON_LINE_PATTERN = '^\\s*\\{';

const regexpCond = z.strictObject({ regexp: z.strictObject({ message: z.string() }) });
const containsCond = z.strictObject({ contains: z.strictObject({ message: z.string() }) });

/**
 * The typed model of every filebeat option this toolkit writes (filebeat 8 reference names). Strict: an option not in
 * here is not written, so the model documents the whole configuration.
 */
export const filebeatConfigSchema = z.strictObject({
  'filebeat.inputs': z
    .array(
      z.strictObject({
        type: z.literal('filestream'),
        id: z.string().min(1),
        paths: z.array(z.string().startsWith('/var/log/containers/')).min(1),
        'prospector.scanner.symlinks': z.literal(true),
        parsers: z.tuple([
          z.strictObject({ container: z.strictObject({ stream: z.literal('all'), format: z.literal('auto') }) }),
        ]),
        processors: z.tuple([
          z.strictObject({
            add_kubernetes_metadata: z.strictObject({
              host: z.literal('${NODE_NAME}'),
              matchers: z.tuple([
                z.strictObject({ logs_path: z.strictObject({ logs_path: z.literal('/var/log/containers/') }) }),
              ]),
              add_resource_metadata: z.strictObject({
                deployment: z.literal(false),
                cronjob: z.literal(false),
                namespace: z.strictObject({ enabled: z.boolean() }),
                node: z.strictObject({ enabled: z.boolean() }),
              }),
              include_labels: z.array(z.string()),
              include_annotations: z.array(z.string()).length(0),
            }),
          }),
          z.strictObject({ drop_event: z.strictObject({ when: z.strictObject({ or: z.array(regexpCond).min(1) }) }) }),
          z.strictObject({
            drop_event: z.strictObject({
              when: z.strictObject({ or: z.array(z.union([regexpCond, containsCond])).min(1) }),
            }),
          }),
          z.strictObject({
            decode_json_fields: z.strictObject({
              fields: z.tuple([z.literal('message')]),
              target: z.string(),
              overwrite_keys: z.boolean(),
              add_error_key: z.boolean(),
              max_depth: z.number().int().min(1),
              process_array: z.boolean(),
              when: regexpCond,
            }),
          }),
        ]),
      }),
    )
    .length(1),
  fields: z.record(z.string(), z.string()),
  fields_under_root: z.literal(false),
  'path.data': z.literal(FILEBEAT_DATA_PATH),
  'filebeat.registry.flush': z.string().regex(/^[0-9]+s$/),
  'queue.mem': z.strictObject({
    events: z.number().int().min(1),
    'flush.min_events': z.number().int().min(0),
    'flush.timeout': z.string().regex(/^[0-9]+s$/),
  }),
  'output.logstash': z.strictObject({
    hosts: z.array(z.string().regex(/^[^:/\s]+:[0-9]+$/)).min(1),
    loadbalance: z.literal(true),
    worker: z.number().int().min(1),
    bulk_max_size: z.number().int().min(1),
    timeout: z.string().regex(/^[0-9]+s$/),
    'backoff.init': z.string().regex(/^[0-9]+s$/),
    'backoff.max': z.string().regex(/^[0-9]+s$/),
    'ssl.enabled': z.boolean(),
    'ssl.verification_mode': z.enum(['full', 'strict', 'certificate']).optional(),
    'ssl.certificate_authorities': z.array(z.string().startsWith(TLS_PATH)).optional(),
    'ssl.certificate': z.string().startsWith(TLS_PATH).optional(),
    'ssl.key': z.string().startsWith(TLS_PATH).optional(),
  }),
  'http.enabled': z.literal(true),
  'http.host': z.string(),
  'http.port': z.literal(MONITORING_PORT),
  'logging.level': z.literal('info'),
  'logging.to_stderr': z.literal(true),
  'logging.metrics.enabled': z.literal(false),
});

/** The filebeat configuration, as written. */
export type FilebeatConfig = z.infer<typeof filebeatConfigSchema>;

/** The configuration for some namespaces of an environment. */
function filebeatConfig(values: FilebeatValues, namespaces: readonly string[], environment: string): FilebeatConfig {
  const tls = values.logstash.tls;
  const allFields: Record<string, string> = { type: 'rucio-k8s-logs', ...values.fields, environment };
  const fields = Object.fromEntries(
    Object.keys(allFields)
      .sort()
      .map((k) => [k, allFields[k]!]),
  );
  return {
    'filebeat.inputs': [
      {
        type: 'filestream',
        id: 'rucio-containers',
        paths: [...namespaces].sort().map((ns) => `/var/log/containers/*_${ns}_*.log`),
        'prospector.scanner.symlinks': true,
        parsers: [{ container: { stream: 'all', format: 'auto' } }],
        processors: [
          {
            add_kubernetes_metadata: {
              host: '${NODE_NAME}',
              matchers: [{ logs_path: { logs_path: '/var/log/containers/' } }],
              // Deployment and CronJob names would need ReplicaSet/Job read access: the pod labels say enough.
              add_resource_metadata: {
                deployment: false,
                cronjob: false,
                namespace: { enabled: true },
                node: { enabled: true },
              },
              include_labels: [...FILEBEAT_LABELS],
              include_annotations: [],
            },
          },
          // Before anything else looks at the line: a connection string is never shipped.
          { drop_event: { when: { or: SECRET_LINE_PATTERNS.map((p) => ({ regexp: { message: p } })) } } },
          {
            drop_event: {
              when: {
                or: [
                  { contains: { message: HEALTH_CHECK_PATTERNS[0] } },
                  { regexp: { message: HEALTH_CHECK_PATTERNS[1] } },
                ],
              },
            },
          },
          {
            decode_json_fields: {
              fields: ['message'],
              target: 'rucio',
              overwrite_keys: false,
              add_error_key: true,
              max_depth: 3,
              process_array: false,
              when: { regexp: { message: JSON_LINE_PATTERN } },
            },
          },
        ],
      },
    ],
    fields,
    fields_under_root: false,
    'path.data': FILEBEAT_DATA_PATH,
    'filebeat.registry.flush': '1s',
    'queue.mem': {
      events: values.queue.events,
      'flush.min_events': values.queue.flushMinEvents,
      'flush.timeout': `${values.queue.flushTimeoutSeconds}s`,
    },
    'output.logstash': {
      hosts: [...values.logstash.hosts],
      loadbalance: true,
      worker: values.logstash.worker,
      bulk_max_size: values.logstash.bulkMaxSize,
      timeout: `${values.logstash.timeoutSeconds}s`,
      'backoff.init': `${values.logstash.backoff.initSeconds}s`,
      'backoff.max': `${values.logstash.backoff.maxSeconds}s`,
      'ssl.enabled': tls !== undefined,
      ...(tls
        ? {
            'ssl.verification_mode': tls.verificationMode,
            'ssl.certificate_authorities': [`${TLS_PATH}/ca.crt`],
            ...(tls.clientCertificate
              ? { 'ssl.certificate': `${TLS_PATH}/tls.crt`, 'ssl.key': `${TLS_PATH}/tls.key` }
              : {}),
          }
        : {}),
    },
    'http.enabled': true,
    // The kubelet's probes reach the stats endpoint on the pod's address.
    'http.host': '0.0.0.0',
    'http.port': MONITORING_PORT,
    'logging.level': 'info',
    'logging.to_stderr': true,
    'logging.metrics.enabled': false,
  };
}

/** Props of filebeat. */
export interface FilebeatProps {
  /** The environment's `filebeat` block: logstash, fields, namespaces, image and resources. */
  readonly values: FilebeatValues;
  /** The namespace filebeat runs in; its pods' logs are shipped unless `values.namespaces` says otherwise. */
  readonly namespace: string;
  /** The environment's name, added to every shipped event as the `environment` field. */
  readonly environment: string;
}

/** The filebeat DaemonSet and its RBAC. */
export class Filebeat extends Construct {
  readonly name = 'filebeat';
  /** The cluster-scoped ClusterRole and binding: prefixed, since other filebeats may share the cluster. */
  readonly clusterRoleName: string;
  readonly selector: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'filebeat' };
  readonly config: FilebeatConfig;

  constructor(scope: Construct, id: string, props: FilebeatProps) {
    super(scope, id);
    const { values, namespace } = props;
    this.clusterRoleName = `rucio-filebeat-${namespace}`;
    const labels = { ...this.selector, 'app.kubernetes.io/component': 'logging' };
    this.config = filebeatConfig(values, values.namespaces ?? [namespace], props.environment);
    const text = toYamlText(this.config);

    kubeObject<IServiceAccount>(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: this.name, labels },
    });
    // Cluster-scoped: no namespace, whatever the chart's.
    const clusterScoped = (o: ApiObject) => o.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    clusterScoped(
      kubeObject<IClusterRole>(this, 'ClusterRole', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: this.clusterRoleName, labels },
        rules: [{ apiGroups: [''], resources: ['namespaces', 'nodes', 'pods'], verbs: ['get', 'list', 'watch'] }],
      }),
    );
    clusterScoped(
      kubeObject<IClusterRoleBinding>(this, 'ClusterRoleBinding', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: this.clusterRoleName, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: this.clusterRoleName },
        subjects: [{ kind: 'ServiceAccount', name: this.name, namespace }],
      }),
    );
    kubeObject<IConfigMap>(this, 'Config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.name, labels },
      data: { 'filebeat.yml': text },
    });

    const tls = values.logstash.tls;
    const daemonSet: IDaemonSet = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      // filebeat reads the node's container logs and keeps its registry on the node, so a restart neither loses nor
      // re-ships lines: the only component that may mount host paths.
      metadata: {
        name: this.name,
        labels,
        annotations: {
          ...declare('host-path', ['data', 'varlogcontainers', 'varlogpods']),
          ...declareImageNeeds(['filebeat'], IMAGE_NEEDS.filebeat),
        },
      },
      spec: {
        selector: { matchLabels: { ...this.selector } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: podTemplate({
          labels,
          checksum: checksum(text),
          serviceAccountName: this.name,
          spec: { tolerations: values.tolerations, terminationGracePeriodSeconds: 30 },
          containers: [
            {
              name: 'filebeat',
              image: imageRef(values.image.repository, values.image.tag),
              imagePullPolicy: 'IfNotPresent',
              args: ['-c', FILEBEAT_CONFIG_PATH, '-e'],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
              ports: [{ name: 'monitoring', containerPort: MONITORING_PORT, protocol: 'TCP' }],
              livenessProbe: {
                httpGet: { path: '/', port: 'monitoring' },
                initialDelaySeconds: 10,
                periodSeconds: 30,
                timeoutSeconds: 5,
              },
              readinessProbe: { httpGet: { path: '/', port: 'monitoring' }, periodSeconds: 10, timeoutSeconds: 5 },
              resources: values.resources,
              // Root reads the node's log files; no capability beyond that.
              securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'config', mountPath: FILEBEAT_CONFIG_PATH, subPath: 'filebeat.yml', readOnly: true },
                { name: 'data', mountPath: FILEBEAT_DATA_PATH },
                { name: 'varlogcontainers', mountPath: '/var/log/containers', readOnly: true },
                { name: 'varlogpods', mountPath: '/var/log/pods', readOnly: true },
                ...(tls ? [{ name: 'tls', mountPath: TLS_PATH, readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: this.name, defaultMode: 0o640 } },
            { name: 'data', hostPath: { path: values.dataHostPath, type: 'DirectoryOrCreate' } },
            ...(tls ? [{ name: 'tls', secret: { secretName: tls.secretName, defaultMode: 0o400 } }] : []),
            { name: 'varlogcontainers', hostPath: { path: '/var/log/containers', type: 'Directory' } },
            { name: 'varlogpods', hostPath: { path: '/var/log/pods', type: 'Directory' } },
          ],
        }),
      },
    };
    kubeObject<IDaemonSet>(this, 'Resource', daemonSet);
  }
}
