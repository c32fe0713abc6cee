/**
 * The workload skeleton every Deployment and DaemonSet of the project shares: the object's metadata, the selector, and
 * a pod template with its labels, annotations (the `checksum/config` that rolls the pods), the pod security context
 * (the RuntimeDefault seccomp profile on every pod), the service account (or no token at all), containers and volumes.
 * The constructs say only what differs: their names, labels, containers and rollout.
 */
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IDeploymentStrategy } from 'kubernetes-models/apps/v1/DeploymentStrategy';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { kubeObject } from './objects.js';
import { sortedMap, undefinedIfEmpty } from './rucio-pod.js';

/** The pod spec fields a workload may set besides those {@link PodTemplateProps} names. */
export type PodSpecExtras = Omit<
  IPodSpec,
  'containers' | 'volumes' | 'securityContext' | 'serviceAccountName' | 'automountServiceAccountToken'
>;

/** Props of a pod template. */
export interface PodTemplateProps {
  /** The pods' labels; they must hold the workload's selector. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The pods' annotations (written sorted).
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * The `checksum/config` annotation: a hash of everything whose change must roll the pods (config files, env).
   * @default - no checksum annotation
   */
  readonly checksum?: string;
  /** The containers, in order (sidecars first where a construct wants them listed first). */
  readonly containers: readonly IContainer[];
  /**
   * The pod's volumes.
   * @default - none (the field is left out)
   */
  readonly volumes?: readonly IVolume[];
  /**
   * Pod security beyond the RuntimeDefault seccomp profile that every pod gets.
   * @default - the seccomp profile alone
   */
  readonly securityContext?: Omit<IPodSecurityContext, 'seccompProfile'>;
  /**
   * The ServiceAccount the pods run as.
   * @default - none, and `automountServiceAccountToken: false`: no pod gets an API token it does not need
   */
  readonly serviceAccountName?: string;
  /**
   * The rest of the pod spec: scheduling (node selector, affinity, tolerations, priority class), pull secrets, the
   * termination grace period. A field that is `undefined` is left out.
   * @default - none
   */
  readonly spec?: PodSpecExtras;
}

/** A pod template: the labels, the annotations with the checksum, and the pod spec with its hardening. */
export function podTemplate(props: PodTemplateProps): IPodTemplateSpec {
  const annotations = {
    ...props.annotations,
    ...(props.checksum === undefined ? {} : { 'checksum/config': props.checksum }),
  };
  return {
    metadata: { labels: sortedMap(props.labels), annotations: undefinedIfEmpty(sortedMap(annotations)) },
    spec: {
      ...props.spec,
      containers: [...props.containers],
      ...(props.volumes ? { volumes: [...props.volumes] } : {}),
      securityContext: { ...props.securityContext, seccompProfile: { type: 'RuntimeDefault' } },
      ...(props.serviceAccountName
        ? { serviceAccountName: props.serviceAccountName }
        : { automountServiceAccountToken: false }),
    },
  };
}

/** Props of a workload's Deployment. */
export interface WorkloadDeploymentProps {
  /** `metadata.name`. */
  readonly name: string;
  /** The Deployment's own labels. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The Deployment's annotations (the operator's, and the declarations to the policy checks), written sorted.
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Pods to run.
   * @default - left out, because an autoscaler owns the count
   */
  readonly replicas?: number;
  /**
   * Seconds a new pod must be ready before it counts as available.
   * @default - left out (Kubernetes: 0)
   */
  readonly minReadySeconds?: number;
  /** The labels that select the pods (`spec.selector.matchLabels`); immutable once applied. */
  readonly selector: Readonly<Record<string, string>>;
  /** How the pods are replaced. */
  readonly strategy: IDeploymentStrategy;
  /** The pod template. */
  readonly pod: PodTemplateProps;
}

/** How many old ReplicaSets every Deployment keeps for a rollback. */
const REVISION_HISTORY_LIMIT = 5;

/** A Deployment in `scope` (child `id`), built on the shared skeleton. */
export function workloadDeployment(scope: Construct, id: string, props: WorkloadDeploymentProps): ApiObject {
  return kubeObject<IDeployment>(scope, id, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: props.name,
      labels: { ...props.labels },
      annotations: undefinedIfEmpty(sortedMap(props.annotations ?? {})),
    },
    spec: {
      ...(props.replicas === undefined ? {} : { replicas: props.replicas }),
      ...(props.minReadySeconds === undefined ? {} : { minReadySeconds: props.minReadySeconds }),
      revisionHistoryLimit: REVISION_HISTORY_LIMIT,
      selector: { matchLabels: { ...props.selector } },
      strategy: props.strategy,
      template: podTemplate(props.pod),
    },
  });
}
