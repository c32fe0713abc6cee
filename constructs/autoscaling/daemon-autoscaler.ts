/**
 * A KEDA ScaledObject for one backlog daemon (conveyor submitter, poller, finisher; reaper), with one Prometheus
 * trigger on the backlog that daemon drains. The Deployment it targets must be rendered without `replicas`
 * (`RucioDaemons`' `autoscaled`), so Flux and the HPA that KEDA creates do not fight over it.
 *
 * @see ../values/autoscaling.ts for the queries and the submitters → pollers → finishers order.
 */
import { Construct } from 'constructs';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import {
  AUTOSCALING_DEFAULTS,
  type AutoscalingValues,
  type DaemonScalerValues,
  type ScalableDaemon,
} from '../../values/autoscaling.js';
import { promString } from '../observability/prometheus-rules.js';
import { kubeObject } from '../shared/objects.js';

/** The default backlog query of a scalable daemon: one number. */
function defaultQuery(
  key: ScalableDaemon,
  a: Pick<AutoscalingValues, 'transferQueueMetric' | 'deletionBacklogMetric'>,
): string {
  if (key === 'reaper') return `sum(${a.deletionBacklogMetric}) or vector(0)`;
  const states = AUTOSCALING_DEFAULTS.daemons[key].states;
  const selector = states.length === 1 ? `state=${promString(states[0])}` : `state=~${promString(states.join('|'))}`;
  return `sum(${a.transferQueueMetric}{${selector}}) or vector(0)`;
}

export interface DaemonAutoscalerProps {
  /** The kind of daemon (a scalable one: submitter, poller, finisher, reaper), which picks the backlog query. */
  readonly key: ScalableDaemon;
  /** The Deployment to scale. */
  readonly deployment: string;
  /** The daemon's `autoscaling` block: replicas at rest and at most, the query and its threshold. */
  readonly scaler: DaemonScalerValues;
  /** The environment's `autoscaling` values: the Prometheus server and the defaults of every scaler. */
  readonly autoscaling: AutoscalingValues;
  /** Labels of the ScaledObject. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The ScaledObject `<deployment>`. */
export class DaemonAutoscaler extends Construct {
  constructor(scope: Construct, id: string, props: DaemonAutoscalerProps) {
    super(scope, id);
    const s = props.scaler;
    /** @default the backlog of the daemon's kind (`defaultQuery`) */
    const query = s.query ?? defaultQuery(props.key, props.autoscaling);
    const object: IScaledObject = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: props.deployment, labels: { ...props.labels } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deployment },
        minReplicaCount: s.minReplicas,
        maxReplicaCount: s.maxReplicas,
        pollingInterval: s.pollingInterval,
        cooldownPeriod: s.cooldownPeriod,
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleUp: {
                stabilizationWindowSeconds: s.scaleUpDelaySeconds,
                policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
              },
              scaleDown: {
                stabilizationWindowSeconds: s.scaleDownDelaySeconds,
                policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }],
              },
            },
          },
        },
        triggers: [
          {
            type: 'prometheus',
            name: `${props.key === 'reaper' ? 'deletion' : 'transfer'}-backlog`,
            metricType: 'AverageValue',
            metadata: {
              serverAddress: props.autoscaling.prometheusAddress,
              query,
              threshold: String(s.threshold),
              activationThreshold: String(s.activationThreshold),
            },
          },
        ],
      },
    };
    kubeObject<IScaledObject>(this, 'Resource', object);
  }
}
