/**
 * The Prometheus Pushgateway: Deployment and Service `pushgateway` on port 9091 (`http`), its metrics kept on a
 * PersistentVolumeClaim so pushed values survive a restart. Also the `[monitor]` wiring of rucio.cfg.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { Environment } from '../../values/environment.js';
import { imageRef } from '../../values/images.js';
import { PUSHGATEWAY_PORT, type PushgatewayValues } from '../../values/pushgateway.js';

/** The name of the Deployment, Service and claim (the contract with the other components). */
export const PUSHGATEWAY_NAME = 'pushgateway';
/** The selector labels of the Pushgateway's pods. */
export const PUSHGATEWAY_SELECTOR = { 'app.kubernetes.io/name': PUSHGATEWAY_NAME } as const;

/** The in-cluster address of the Pushgateway Service, `pushgateway.<namespace>.svc:9091`. */
export function pushgatewayServiceAddress(namespace: string): string {
  return `${PUSHGATEWAY_NAME}.${namespace}.svc:${PUSHGATEWAY_PORT}`;
}

/** Where Rucio and the probes push: the configured `address`, else the in-cluster Service. */
export function pushgatewayAddress(values: PushgatewayValues, namespace: string): string {
  return values.address ?? pushgatewayServiceAddress(namespace);
}

/** The grouping labels of every push from this environment: `environment` plus the configured labels, sorted. */
export function pushgatewayLabels(values: PushgatewayValues, environment: string): Record<string, string> {
  const all: Record<string, string> = { ...values.labels, environment };
  return Object.fromEntries(
    Object.keys(all)
      .sort()
      .map((k) => [k, all[k]!]),
  );
}

/** The rucio.cfg `[monitor]` options that point Rucio at the Pushgateway. */
export function monitorOptions(
  values: PushgatewayValues,
  namespace: string,
  environment: string,
): Record<string, string> {
  return {
    prometheus_servers: pushgatewayAddress(values, namespace),
    prometheus_prefix: values.prometheusPrefix,
    prometheus_labels: JSON.stringify(pushgatewayLabels(values, environment)),
  };
}

/** A rucio.cfg with the `[monitor]` Pushgateway options added where it does not set them. Returns a new object. */
export function withMonitorOptions<C extends Record<string, Record<string, unknown>>>(
  config: C,
  options: Readonly<Record<string, string>>,
): C {
  const monitor = { ...options, ...(config.monitor ?? {}) };
  return { ...config, monitor };
}

/**
 * The environment with every Rucio release's `[monitor]` section wired to the Pushgateway (`prometheus_servers`,
 * `prometheus_prefix`, `prometheus_labels` carrying the environment), unless the release's config (or `common`) sets
 * an option itself. Pure: the given values are not modified. Without a `pushgateway` block nothing changes.
 */
export function wireMonitor(values: Environment, environment: string): Environment {
  if (!values.pushgateway) return values;
  const options = monitorOptions(values.pushgateway, values.namespace, environment);
  const wire = <R extends { config: Environment['servers'][string]['config'] }>(
    releases: Record<string, R>,
  ): Record<string, R> =>
    Object.fromEntries(
      Object.entries(releases).map(([name, r]) => [name, { ...r, config: withMonitorOptions(r.config, options) }]),
    );
  return { ...values, servers: wire(values.servers), daemons: wire(values.daemons) };
}

/**
 * The URL path a push with this job and grouping key goes to, as Prometheus' client libraries build it
 * (`/metrics/job/<job>/<label>/<value>…`; values with `/` or empty are base64url-encoded with `@base64`).
 */
export function pushPath(job: string, grouping: Readonly<Record<string, string>>): string {
  const seg = (name: string, value: string): string =>
    value === '' || value.includes('/')
      ? `${name}@base64/${Buffer.from(value).toString('base64url') || '='}`
      : `${name}/${encodeURIComponent(value)}`;
  return `/metrics/${seg('job', job)}${Object.entries(grouping)
    .map(([k, v]) => `/${seg(k, v)}`)
    .join('')}`;
}

/** Props of the Pushgateway. */
export interface PushgatewayProps {
  readonly values: PushgatewayValues;
}

/** The Prometheus Pushgateway. */
export class Pushgateway extends Construct {
  readonly name = PUSHGATEWAY_NAME;
  readonly port = PUSHGATEWAY_PORT;
  readonly selector: Readonly<Record<string, string>> = PUSHGATEWAY_SELECTOR;

  constructor(scope: Construct, id: string, props: PushgatewayProps) {
    super(scope, id);
    const { values } = props;
    const labels = { ...this.selector, 'app.kubernetes.io/component': 'metrics' };
    const persist = values.persistence.enabled;
    const args = [`--web.listen-address=:${PUSHGATEWAY_PORT}`];
    if (persist)
      args.push('--persistence.file=/data/metrics', `--persistence.interval=${values.persistence.intervalMinutes}m`);

    if (persist) {
      new ApiObject(this, 'Data', {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: this.name, labels },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: values.persistence.size } },
          ...(values.persistence.storageClassName ? { storageClassName: values.persistence.storageClassName } : {}),
        },
      });
    }
    const probe = (path: string) => ({
      httpGet: { path, port: 'http' },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    });
    const deployment: IDeployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: this.name, labels },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.selector } },
        // One writer of the volume at a time.
        strategy: { type: persist ? 'Recreate' : 'RollingUpdate' },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65534,
              runAsGroup: 65534,
              fsGroup: 65534,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'pushgateway',
                image: imageRef(values.image.repository, values.image.tag),
                imagePullPolicy: 'IfNotPresent',
                args,
                ports: [{ name: 'http', containerPort: PUSHGATEWAY_PORT, protocol: 'TCP' }],
                readinessProbe: probe('/-/ready'),
                livenessProbe: { ...probe('/-/healthy'), initialDelaySeconds: 10 },
                resources: values.resources,
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                ...(persist ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}),
              },
            ],
            ...(persist ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: this.name } }] } : {}),
          },
        },
      },
    };
    new ApiObject(this, 'Resource', deployment as never);
    new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.name, labels },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selector },
        ports: [{ name: 'http', port: PUSHGATEWAY_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    });
  }
}
