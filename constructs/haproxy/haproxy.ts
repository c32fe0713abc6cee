/**
 * HAProxy in the cluster: a Deployment of at least two pods on different nodes, its `haproxy.cfg` in a ConfigMap whose
 * checksum rolls the pods, a LoadBalancer Service (optionally on a fixed virtual IP) with one port per frontend, and
 * a PodDisruptionBudget so a drain keeps one pod serving.
 */
import { Construct } from 'constructs';
import type { IService } from 'kubernetes-models/v1/Service';
import type { HaproxyValues } from '../../values/haproxy.js';
import { imageRef } from '../../values/images.js';
import { checksum } from '../shared/rucio-config.js';
import { sortedMap, undefinedIfEmpty } from '../shared/rucio-pod.js';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { kubeObject } from '../shared/objects.js';
import { workloadDeployment } from '../shared/workload.js';

/** The pod labels the Deployment, Service and budget select (and a PodMonitor may). */
export const HAPROXY_SELECTOR: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'haproxy' };

/** Where the image reads its configuration. */
const HAPROXY_CFG_PATH = '/usr/local/etc/haproxy/haproxy.cfg';

/** Props of the in-cluster HAProxy. */
export interface HaproxyProps {
  /** The environment's `haproxy` block: replicas, frontends, the Service, the image and resources. */
  readonly values: HaproxyValues;
  /** The rendered `haproxy.cfg` (see `renderHaproxyCfg`). */
  readonly config: string;
  /**
   * Extra pod annotations (the `prometheus.io/*` scrape annotations in annotations mode).
   * @default - the checksum alone
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/** The in-cluster HAProxy. */
export class Haproxy extends Construct {
  /** The name of the Deployment, Service and ConfigMap. */
  readonly name = 'haproxy';
  readonly selector: Readonly<Record<string, string>> = HAPROXY_SELECTOR;

  constructor(scope: Construct, id: string, props: HaproxyProps) {
    super(scope, id);
    const { values, config } = props;
    const labels = { ...this.selector, 'app.kubernetes.io/component': 'load-balancer' };
    const frontends = Object.keys(values.frontends).sort();

    kubeObject<IConfigMap>(this, 'Config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.name, labels },
      data: { 'haproxy.cfg': config },
    });

    workloadDeployment(this, 'Resource', {
      name: this.name,
      labels,
      replicas: values.replicas,
      selector: this.selector,
      // Never more pods than nodes allow with the anti-affinity below: replace one at a time.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      pod: {
        labels,
        annotations: props.podAnnotations,
        checksum: checksum(config),
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 99,
          runAsGroup: 99,
          // Lets the unprivileged haproxy user bind 443 (a safe sysctl since Kubernetes 1.22).
          sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
        },
        spec: {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: { ...this.selector } }, topologyKey: 'kubernetes.io/hostname' },
              ],
            },
          },
          terminationGracePeriodSeconds: 30,
        },
        containers: [
          {
            name: 'haproxy',
            image: imageRef(values.image.repository, values.image.tag),
            imagePullPolicy: 'IfNotPresent',
            // The image's entrypoint runs `haproxy -W -db` (master-worker, foreground) with these arguments.
            args: ['-f', HAPROXY_CFG_PATH],
            ports: [
              ...frontends.map((name) => ({
                name,
                containerPort: values.frontends[name]!.port,
                protocol: 'TCP' as const,
              })),
              { name: 'stats', containerPort: values.statsPort, protocol: 'TCP' as const },
            ],
            readinessProbe: {
              httpGet: { path: '/healthz', port: 'stats' },
              periodSeconds: 5,
              timeoutSeconds: 2,
              failureThreshold: 2,
            },
            livenessProbe: {
              httpGet: { path: '/healthz', port: 'stats' },
              initialDelaySeconds: 5,
              periodSeconds: 10,
              timeoutSeconds: 2,
              failureThreshold: 3,
            },
            resources: values.resources,
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
            volumeMounts: [{ name: 'config', mountPath: HAPROXY_CFG_PATH, subPath: 'haproxy.cfg', readOnly: true }],
          },
        ],
        volumes: [{ name: 'config', configMap: { name: this.name } }],
      },
    });

    const service: IService = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.name, labels, annotations: undefinedIfEmpty(sortedMap(values.service.annotations)) },
      spec: {
        type: 'LoadBalancer',
        ...(values.service.loadBalancerIP ? { loadBalancerIP: values.service.loadBalancerIP } : {}),
        externalTrafficPolicy: values.service.externalTrafficPolicy,
        selector: { ...this.selector },
        ports: frontends.map((name) => ({
          name,
          port: values.frontends[name]!.port,
          targetPort: name,
          protocol: 'TCP' as const,
        })),
      },
    };
    kubeObject<IService>(this, 'Service', service);

    kubeObject<IPodDisruptionBudget>(this, 'Budget', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: this.name, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: { ...this.selector } } },
    });
  }
}
