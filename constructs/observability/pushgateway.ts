/**
 * The Prometheus Pushgateway: Deployment and Service `pushgateway` on port 9091 (`http`), its metrics kept on a
 * PersistentVolumeClaim so pushed values survive a restart. (The `[monitor]` wiring of rucio.cfg that points Rucio at
 * it is resolved by the plan stage, `src/plan/monitor.ts`.)
 */
import { Construct } from 'constructs';
import { imageRef } from '../../values/images.js';
import { PUSHGATEWAY_PORT, type PushgatewayValues } from '../../values/pushgateway.js';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IService } from 'kubernetes-models/v1/Service';
import { kubeObject } from '../shared/objects.js';
import { workloadDeployment } from '../shared/workload.js';
import { sortedMap, undefinedIfEmpty } from '../shared/rucio-pod.js';

/** The name of the Deployment, Service and claim (the contract with the other components). */
export const PUSHGATEWAY_NAME = 'pushgateway';
/** The selector labels of the Pushgateway's pods. */
const PUSHGATEWAY_SELECTOR = { 'app.kubernetes.io/name': PUSHGATEWAY_NAME } as const;

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
  /** The environment's `pushgateway` block: persistence, image and resources. */
  readonly values: PushgatewayValues;
  /**
   * Annotations of the Service (`prometheus.io/probe: pushgateway` in annotations mode).
   * @default - none
   */
  readonly serviceAnnotations?: Readonly<Record<string, string>>;
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
      kubeObject<IPersistentVolumeClaim>(this, 'Data', {
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
    workloadDeployment(this, 'Resource', {
      name: this.name,
      labels,
      replicas: 1,
      selector: this.selector,
      // One writer of the volume at a time.
      strategy: { type: persist ? 'Recreate' : 'RollingUpdate' },
      pod: {
        labels,
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534 },
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
        volumes: persist ? [{ name: 'data', persistentVolumeClaim: { claimName: this.name } }] : undefined,
      },
    });
    kubeObject<IService>(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.name, labels, annotations: undefinedIfEmpty(sortedMap({ ...props.serviceAnnotations })) },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selector },
        ports: [{ name: 'http', port: PUSHGATEWAY_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    });
  }
}
