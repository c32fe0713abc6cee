/**
 * How a Rucio release is reached, as the rucio-server and rucio-webui charts write it: the Service `<fullname>` in
 * front of the pods (external-dns hostname when asked), and the optional Ingress `<fullname>` (one rule per host, a
 * path prefix, TLS by Secret name).
 */
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';
import type { RucioServerValues } from '../../values/rucio-server.js';
import { kubeObject } from '../shared/objects.js';
import { sortedMap, undefinedIfEmpty } from '../shared/rucio-pod.js';

/** The Service keys a release's values hold besides the port (the same in the server and WebUI charts). */
export type ReleaseServiceValues = Pick<
  RucioServerValues['service'],
  | 'type'
  | 'annotations'
  | 'loadBalancerIP'
  | 'loadBalancerClass'
  | 'externalTrafficPolicy'
  | 'allocateLoadBalancerNodePorts'
  | 'useExternalDNS'
>;

/** A release's `ingress` values (the same in the server and WebUI charts). */
export type ReleaseIngressValues = RucioServerValues['ingress'];

/** Props of a release's Service. */
export interface ReleaseServiceProps {
  /** The Service's name (the release's fullname). */
  readonly name: string;
  /** The chart's labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** The pods' selector (`app` + `release`). */
  readonly selector: Readonly<Record<string, string>>;
  /** The release's `service` values. */
  readonly service: ReleaseServiceValues;
  /** The one port: its name, port, target port and protocol. */
  readonly port: IServicePort;
  /**
   * The release's `hostname`, which external-dns publishes when `service.useExternalDNS` is on.
   * @default - no external-dns annotation
   */
  readonly hostname?: string;
}

/** A release's Service in `scope` (child `id`). */
export function releaseService(scope: Construct, id: string, props: ReleaseServiceProps): ApiObject {
  const svc = props.service;
  const annotations = {
    ...svc.annotations,
    ...(svc.useExternalDNS && props.hostname ? { 'external-dns.alpha.kubernetes.io/hostname': props.hostname } : {}),
  };
  return kubeObject<IService>(scope, id, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: props.name, labels: { ...props.labels }, annotations: undefinedIfEmpty(sortedMap(annotations)) },
    spec: {
      type: svc.type,
      selector: { ...props.selector },
      ports: [props.port],
      ...(svc.loadBalancerIP ? { loadBalancerIP: svc.loadBalancerIP } : {}),
      ...(svc.loadBalancerClass ? { loadBalancerClass: svc.loadBalancerClass } : {}),
      ...(svc.externalTrafficPolicy ? { externalTrafficPolicy: svc.externalTrafficPolicy } : {}),
      ...(svc.allocateLoadBalancerNodePorts === undefined
        ? {}
        : { allocateLoadBalancerNodePorts: svc.allocateLoadBalancerNodePorts }),
    },
  });
}

/** Props of a release's Ingress. */
export interface ReleaseIngressProps {
  /** The Ingress's name, and the Service it routes to (the release's fullname). */
  readonly name: string;
  /** The chart's labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** The release's `ingress` values. */
  readonly ingress: ReleaseIngressValues;
  /** The Service's port the rules route to. */
  readonly servicePort: number;
}

/** A release's Ingress in `scope` (child `id`), when `ingress.enabled`; undefined otherwise. */
export function releaseIngress(scope: Construct, id: string, props: ReleaseIngressProps): ApiObject | undefined {
  const ing = props.ingress;
  if (!ing.enabled) return undefined;
  return kubeObject<IIngress>(scope, id, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: props.name,
      labels: { ...props.labels },
      annotations: undefinedIfEmpty(sortedMap(ing.annotations)),
    },
    spec: {
      ...(ing.ingressClassName ? { ingressClassName: ing.ingressClassName } : {}),
      rules: ing.hosts.map((host) => ({
        host,
        http: {
          paths: [
            {
              path: ing.path,
              pathType: 'Prefix',
              backend: { service: { name: props.name, port: { number: props.servicePort } } },
            },
          ],
        },
      })),
      ...(ing.tls.length > 0
        ? { tls: ing.tls.map((t) => ({ secretName: t.secretName, hosts: t.hosts ?? ing.hosts })) }
        : {}),
    },
  });
}
