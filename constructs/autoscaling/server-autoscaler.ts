/**
 * A CPU HorizontalPodAutoscaler (autoscaling/v2) for one server release. The server's Deployment must be rendered
 * without `replicas` (`RucioServer`'s `autoscaled`). Utilization is measured against the server container's CPU
 * request, which every release has.
 */
import { Construct } from 'constructs';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { ServerScalerValues } from '../../values/autoscaling.js';
import { kubeObject } from '../shared/objects.js';

export interface ServerAutoscalerProps {
  /** The Deployment to scale, and the name of the HPA. */
  readonly deployment: string;
  /** The server release's `autoscaling` block: replicas and the CPU target. */
  readonly scaler: ServerScalerValues;
  /** Labels of the HPA. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The HPA `<fullname>`. */
export class ServerAutoscaler extends Construct {
  constructor(scope: Construct, id: string, props: ServerAutoscalerProps) {
    super(scope, id);
    const hpa: IHorizontalPodAutoscaler = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: props.deployment, labels: { ...props.labels } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deployment },
        minReplicas: props.scaler.minReplicas,
        maxReplicas: props.scaler.maxReplicas,
        metrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: props.scaler.targetCPUUtilizationPercentage },
            },
          },
        ],
      },
    };
    kubeObject<IHorizontalPodAutoscaler>(this, 'Resource', hpa);
  }
}
