/**
 * The Deployment of a Rucio release's pods (a server, a daemon, the WebUI), as the rucio-server, rucio-daemons and
 * rucio-webui charts write it: the release's strategy (RollingUpdate with maxSurge and maxUnavailable 1 unless set),
 * `minReadySeconds`, the operator's pod labels and annotations under the chart's own, the image pull secrets, the
 * service account (else no token), and the scheduling keys; on the shared skeleton (`../shared/workload.ts`).
 */
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { IDeploymentStrategy } from 'kubernetes-models/apps/v1/DeploymentStrategy';
import type { IAffinity } from 'kubernetes-models/v1/Affinity';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IToleration } from 'kubernetes-models/v1/Toleration';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { RucioServerValues } from '../../values/rucio-server.js';
import { sortedMap } from '../shared/rucio-pod.js';
import { workloadDeployment } from '../shared/workload.js';

/** A release's rollout strategy, as the values hold it. */
type ReleaseStrategy = RucioServerValues['strategy'];

/** Where a release's pods may run; every key left out when unset. */
export interface ReleaseScheduling {
  /** @default - any node */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** @default - none */
  readonly affinity?: IAffinity;
  /** @default - none */
  readonly tolerations?: readonly IToleration[];
  /** @default - the cluster's default priority */
  readonly priorityClassName?: string;
}

/** Props of a Rucio release's Deployment. */
export interface ReleaseDeploymentProps {
  /** The Deployment's name (the release's fullname, or `<fullname>-<daemon>`). */
  readonly name: string;
  /** The chart's labels of the Deployment (`app`, `chart`, `release`, `heritage`, …). */
  readonly labels: Readonly<Record<string, string>>;
  /** The pods' selector (`app` + `release`): the chart's contract, never changed once applied. */
  readonly selector: Readonly<Record<string, string>>;
  /**
   * Pod labels of the chart's own that the operator's may not replace (the selector is always one of them).
   * @default - the selector
   */
  readonly reservedPodLabels?: Readonly<Record<string, string>>;
  /** The operator's pod labels (under the reserved ones). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The operator's pod annotations (under the `checksum/config` one). */
  readonly podAnnotations: Readonly<Record<string, string>>;
  /** The `checksum/config` pod annotation. */
  readonly checksum: string;
  /** The Deployment's annotations: the operator's and the declarations to the policy checks. */
  readonly annotations: Readonly<Record<string, string>>;
  /**
   * Pods to run.
   * @default - left out, because an autoscaler owns the count
   */
  readonly replicas?: number;
  /** The release's `minReadySeconds`. */
  readonly minReadySeconds: number;
  /** The release's `strategy`. */
  readonly strategy: ReleaseStrategy;
  /**
   * The ServiceAccount of the pods.
   * @default - none, and no API token mounted
   */
  readonly serviceAccountName?: string;
  /** The release's `imagePullSecrets` (left out when empty). */
  readonly imagePullSecrets: readonly { readonly name: string }[];
  /**
   * Where the pods may run.
   * @default - anywhere
   */
  readonly scheduling?: ReleaseScheduling;
  /**
   * Seconds a pod gets to stop.
   * @default - left out (Kubernetes: 30)
   */
  readonly terminationGracePeriodSeconds?: number;
  /** The containers, sidecars first. */
  readonly containers: readonly IContainer[];
  /** The pod's volumes (written even when empty, as the charts do). */
  readonly volumes: readonly IVolume[];
}

/** The strategy as the charts write it: Recreate, or RollingUpdate (maxSurge and maxUnavailable 1 unless set). */
function releaseStrategy(strategy: ReleaseStrategy): IDeploymentStrategy {
  return strategy.type === 'Recreate'
    ? { type: 'Recreate' }
    : { type: 'RollingUpdate', rollingUpdate: strategy.rollingUpdate ?? { maxSurge: 1, maxUnavailable: 1 } };
}

/** A Rucio release's Deployment in `scope` (child `id`). */
export function releaseDeployment(scope: Construct, id: string, props: ReleaseDeploymentProps): ApiObject {
  const s = props.scheduling ?? {};
  return workloadDeployment(scope, id, {
    name: props.name,
    labels: props.labels,
    annotations: props.annotations,
    replicas: props.replicas,
    minReadySeconds: props.minReadySeconds,
    selector: props.selector,
    strategy: releaseStrategy(props.strategy),
    pod: {
      labels: { ...props.podLabels, ...(props.reservedPodLabels ?? props.selector) },
      annotations: props.podAnnotations,
      checksum: props.checksum,
      containers: props.containers,
      volumes: props.volumes,
      serviceAccountName: props.serviceAccountName,
      spec: {
        terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
        imagePullSecrets: props.imagePullSecrets.length > 0 ? [...props.imagePullSecrets] : undefined,
        nodeSelector: s.nodeSelector && Object.keys(s.nodeSelector).length > 0 ? sortedMap(s.nodeSelector) : undefined,
        affinity: s.affinity,
        tolerations: s.tolerations && s.tolerations.length > 0 ? [...s.tolerations] : undefined,
        priorityClassName: s.priorityClassName,
      },
    },
  });
}
