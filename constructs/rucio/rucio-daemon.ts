/**
 * One Rucio daemon of a rucio-daemons release: its component config and its Deployment.
 */
import { type ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { imageRef } from '../../values/images.js';
import { DAEMON_METRICS_PORT, type RucioDaemonsValues } from '../../values/rucio-daemons.js';
import type { DaemonSpec } from '../../values/rucio-daemon-table.js';
import { checksum, configFlag, mergeConfig, renderConfig } from '../shared/rucio-config.js';
import { CHART_VERSION, CONTAINER_SECURITY, MANAGED_BY, type PodParts } from '../shared/rucio-pod.js';
import { declare, declareImageNeeds, IMAGE_NEEDS } from '../shared/declarations.js';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { kubeObject } from '../shared/objects.js';
import { releaseDeployment } from './release-deployment.js';

/** The chart name, which prefixes the `app` label and names the container. */
export const DAEMONS_CHART = 'rucio-daemons';

/** The name of a daemon's Deployment, `<fullname>-<daemon>` (at most 63 characters). */
export function daemonDeploymentName(fullname: string, spec: DaemonSpec): string {
  return `${fullname}-${spec.name}`.slice(0, 63).replace(/-+$/, '');
}

/** A daemon's `app` label (`rucio-daemons-<daemon>`, or `<nameOverride>-<daemon>`), which with `release` selects its pods. */
export function daemonAppLabel(values: RucioDaemonsValues, spec: DaemonSpec): string {
  return `${values.nameOverride ?? DAEMONS_CHART}-${spec.name}`;
}

/** A daemon's component config ConfigMap, `<fullname>.config.<daemon>`. */
export function daemonConfigMap(fullname: string, spec: DaemonSpec): string {
  return `${fullname}.config.${spec.name}`;
}

/** What the plan stage resolved for one daemon of a release. */
export interface PlannedDaemon {
  /** The daemon's row in the table of daemons. */
  readonly spec: DaemonSpec;
  /** Pods to run (the release's `<daemon>Count`, above 0). */
  readonly replicas: number;
  /** The container's env vars, the pod's volumes and mounts, checked. */
  readonly pod: PodParts;
  /**
   * Leave `replicas` out of the Deployment because an autoscaler owns it.
   * @default false
   */
  readonly autoscaled?: boolean;
}

/** Props of one daemon's objects. */
export interface RucioDaemonProps extends PlannedDaemon {
  /** The release name (`daemonint`). */
  readonly release: string;
  /** The release's fullname, the prefix of the Deployment's name. */
  readonly fullname: string;
  /** The release's values, fully defaulted. */
  readonly values: RucioDaemonsValues;
  /** The release's `10_common.json` text, for the checksum. */
  readonly commonJson: string;
  /** The release's common config ConfigMap name. */
  readonly commonConfigMap: string;
}

/** The Deployment of one daemon, `<fullname>-<daemon>`, and its component config `<fullname>.config.<daemon>`. */
export class RucioDaemon extends Construct {
  /** The Deployment's name. */
  readonly deploymentName: string;
  /** The `app` label, which with `release` selects the pods. */
  readonly appLabel: string;
  readonly deployment: ApiObject;

  constructor(scope: Construct, id: string, props: RucioDaemonProps) {
    super(scope, id);
    const { spec, values, release, fullname } = props;
    const daemon = values[spec.valueKey];
    this.deploymentName = daemonDeploymentName(fullname, spec);
    this.appLabel = daemonAppLabel(values, spec);

    const component = renderConfig(daemon.config);
    const componentName = daemonConfigMap(fullname, spec);
    kubeObject<IConfigMap>(this, 'Config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: componentName,
        labels: { app: this.appLabel, release, chart: `${DAEMONS_CHART}-${CHART_VERSION}`, heritage: MANAGED_BY },
      },
      data: { 'component.json': component.json },
    });

    const selector = { app: this.appLabel, release };
    const reserved = { ...selector, 'app-group': DAEMONS_CHART, 'rucio-daemon': spec.name };
    const { env, volumes, volumeMounts } = props.pod;
    const merged = mergeConfig(values.config, daemon.config);

    // The daemons' only health signal is the metrics server the daemon starts (monitor.enable_metrics): it answers
    // once the daemon runs, so it serves both probes. Without it the image offers none, which the Deployment declares.
    const metrics = configFlag(merged, 'monitor', 'enable_metrics');
    const liveness: IProbe | undefined = metrics
      ? {
          httpGet: { path: '/metrics', port: 'metrics' },
          initialDelaySeconds: 30,
          periodSeconds: 30,
          timeoutSeconds: 10,
          failureThreshold: 5,
        }
      : undefined;
    const readiness: IProbe | undefined = metrics
      ? {
          httpGet: { path: '/metrics', port: 'metrics' },
          initialDelaySeconds: 10,
          periodSeconds: 30,
          timeoutSeconds: 10,
          failureThreshold: 3,
        }
      : undefined;

    const image = values.image;
    const container: IContainer = {
      name: DAEMONS_CHART,
      image: imageRef(image.repository, daemon.image.tag ?? image.tag, values.imageRegistry),
      imagePullPolicy: image.pullPolicy,
      env,
      ports: [{ name: 'metrics', containerPort: DAEMON_METRICS_PORT, protocol: 'TCP' }],
      resources: daemon.resources,
      securityContext: CONTAINER_SECURITY,
      ...(liveness ? { livenessProbe: liveness } : {}),
      ...(readiness ? { readinessProbe: readiness } : {}),
      volumeMounts,
    };

    this.deployment = releaseDeployment(this, 'Resource', {
      name: this.deploymentName,
      labels: {
        app: this.appLabel,
        'app-group': DAEMONS_CHART,
        chart: `${DAEMONS_CHART}-${CHART_VERSION}`,
        release,
        heritage: MANAGED_BY,
      },
      annotations: {
        ...values.deploymentAnnotations,
        ...(metrics ? {} : declare('no-probe-signal', [DAEMONS_CHART])),
        ...declareImageNeeds([DAEMONS_CHART], IMAGE_NEEDS.daemons),
      },
      replicas: props.autoscaled ? undefined : props.replicas,
      minReadySeconds: values.minReadySeconds,
      strategy: values.strategy,
      selector,
      reservedPodLabels: reserved,
      podLabels: { ...values.podLabels, ...daemon.podLabels },
      podAnnotations: { ...values.podAnnotations, ...daemon.podAnnotations },
      checksum: checksum({ common: props.commonJson, component: component.json }),
      containers: [container],
      volumes,
      terminationGracePeriodSeconds: daemon.terminationGracePeriodSeconds,
      serviceAccountName: values.serviceAccountName,
      imagePullSecrets: values.imagePullSecrets,
      scheduling: daemon,
    });
  }
}
