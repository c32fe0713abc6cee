/**
 * A CPU HorizontalPodAutoscaler (autoscaling/v2) for one server release. The server's Deployment must be rendered
 * without `replicas` (`RucioServer`'s `autoscaled`). Utilization is measured against the server container's CPU
 * request, which every release has.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { ServerScalerValues } from '../../values/autoscaling.js';

export interface ServerAutoscalerProps {
  readonly deployment: string;
  readonly scaler: ServerScalerValues;
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
    new ApiObject(this, 'Resource', hpa as never);
  }
}
