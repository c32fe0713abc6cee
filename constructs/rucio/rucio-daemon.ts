/**
 * One Rucio daemon of a rucio-daemons release: its component config and its Deployment.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { imageRef } from '../../values/images.js';
import { DAEMON_METRICS_PORT, type DaemonValues, type RucioDaemonsValues } from '../../values/rucio-daemons.js';
import type { DaemonSpec } from '../../values/rucio-daemon-table.js';
import { CONF_D, checksum, configFlag, mergeConfig, renderConfig } from '../shared/rucio-config.js';
import {
  CHART_VERSION,
  CONTAINER_SECURITY,
  Env,
  MANAGED_BY,
  Mounts,
  guardLabels,
  sortedMap,
  undefinedIfEmpty,
} from '../shared/rucio-pod.js';
import { shellQuote, splitNames } from '../shared/shell.js';
import { declare, declareImageNeeds, IMAGE_NEEDS } from '../shared/declarations.js';

/** The chart name, which prefixes the `app` label and names the container. */
export const DAEMONS_CHART = 'rucio-daemons';

/** Renders a daemon's settings as its own command-line flags, in the table's order. */
export function daemonArgs(spec: DaemonSpec, daemon: DaemonValues): string {
  const words: string[] = [];
  for (const s of spec.settings) {
    const value = daemon[s.key];
    if (value === undefined) continue;
    switch (s.kind) {
      case 'flag':
        if (value === true) words.push(s.flag);
        break;
      case 'int':
        words.push(s.flag, String(value));
        break;
      case 'string':
      case 'expression':
        words.push(s.flag, shellQuote(value as string));
        break;
      case 'names': {
        const names = Array.isArray(value) ? (value as string[]) : splitNames(value as string);
        words.push(s.flag, ...names.map(shellQuote));
        break;
      }
    }
  }
  return words.join(' ');
}

/** Props of one daemon's objects. */
export interface RucioDaemonProps {
  readonly release: string;
  readonly fullname: string;
  readonly spec: DaemonSpec;
  /** The release's values. */
  readonly values: RucioDaemonsValues;
  /** Pods to run. */
  readonly replicas: number;
  /** The release's `10_common.json` text, for the checksum. */
  readonly commonJson: string;
  /** The release's common config ConfigMap name. */
  readonly commonConfigMap: string;
  /** Where this daemon's values sit in the environment (`['daemons', 'daemonint']`). */
  readonly path: readonly (string | number)[];
  /** Leave `replicas` out of the Deployment because an autoscaler owns it. */
  readonly autoscaled?: boolean;
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
    const daemon = values[spec.valueKey] as DaemonValues;
    const path = [...props.path, spec.valueKey];
    this.deploymentName = `${fullname}-${spec.name}`.slice(0, 63).replace(/-+$/, '');
    const chartName = values.nameOverride ?? DAEMONS_CHART;
    this.appLabel = `${chartName}-${spec.name}`;

    const component = renderConfig(daemon.config);
    const componentName = `${fullname}.config.${spec.name}`;
    new ApiObject(this, 'Config', {
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
    guardLabels([...props.path, 'podLabels'], values.podLabels, reserved);
    guardLabels([...path, 'podLabels'], daemon.podLabels, reserved);

    const mounts = new Mounts(path);
    mounts.add(
      { name: 'config-common', configMap: { name: props.commonConfigMap } },
      { mountPath: `${CONF_D}10_common.json`, subPath: 'common.json', readOnly: true },
    );
    mounts.add(
      { name: 'config-component', configMap: { name: componentName } },
      { mountPath: `${CONF_D}20_component.json`, subPath: 'component.json', readOnly: true },
    );
    if (values.useDeprecatedImplicitSecrets) {
      const implicit = {
        proxy: ['rucio-x509up', '/opt/proxy'],
        ca: ['rucio-ca-bundle', '/opt/certs'],
        reaperCa: ['rucio-ca-bundle-reaper', '/etc/grid-security/certificates'],
      } as const;
      for (const kind of spec.implicitSecrets) {
        const [suffix, mountPath] = implicit[kind];
        mounts.add({ name: suffix, secret: { secretName: `${release}-${suffix}` } }, { mountPath, readOnly: true }, [
          ...props.path,
          'useDeprecatedImplicitSecrets',
        ]);
      }
    }
    if (daemon.useSSL) {
      const base = spec.valueKey === 'hermesLegacy' ? 'hermes-legacy' : 'hermes';
      mounts.add(
        { name: `${base}-cert`, secret: { secretName: `${release}-${base}-cert` } },
        { mountPath: '/opt/rucio/certs/', readOnly: true },
        [...path, 'useSSL'],
      );
      mounts.add(
        { name: `${base}-key`, secret: { secretName: `${release}-${base}-key` } },
        { mountPath: '/opt/rucio/keys/', readOnly: true },
        [...path, 'useSSL'],
      );
    }
    if (daemon.secretMounts !== undefined)
      mounts.addSecretMounts(release, daemon.secretMounts, [...path, 'secretMounts']);
    else mounts.addSecretMounts(release, values.secretMounts, [...props.path, 'secretMounts']);
    mounts.addSecretMounts(release, daemon.extraSecretMounts, [...path, 'extraSecretMounts']);
    if (daemon.hostPathMounts !== undefined)
      mounts.addHostPathMounts(daemon.hostPathMounts, [...path, 'hostPathMounts']);
    else mounts.addHostPathMounts(values.hostPathMounts, [...props.path, 'hostPathMounts']);
    mounts.addHostPathMounts(daemon.extraHostPathMounts, [...path, 'extraHostPathMounts']);
    mounts.addPersistentVolumes(values.persistentVolumes, [...props.path, 'persistentVolumes']);
    const { volumes, volumeMounts } = mounts.result();

    // The env vars win over every file, so they come from the merged config: a daemon's literal overrides a secret of the release.
    const merged = mergeConfig(values.config, daemon.config);
    const secretEnv = renderConfig(merged).env;
    const env = new Env(path)
      .addLiterals(
        {
          RUCIO_DAEMON: spec.binary,
          RUCIO_DAEMON_ARGS: daemonArgs(spec, daemon),
          RUCIO_OVERRIDE_CONFIGS: CONF_D,
          ...spec.env,
        },
        'the daemon table',
      )
      .add(secretEnv, 'a secretKeyRef in config', [...path, 'config'])
      .addOptionalConfig(values.optional_config, [...props.path, 'optional_config'])
      .add(values.additionalEnvs, 'additionalEnvs', [...props.path, 'additionalEnvs'])
      .add(daemon.additionalEnvs, 'additionalEnvs', [...path, 'additionalEnvs'])
      .result();

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

    const podLabels = sortedMap({ ...values.podLabels, ...daemon.podLabels, ...reserved });
    const podAnnotations = sortedMap({
      ...values.podAnnotations,
      ...daemon.podAnnotations,
      'checksum/config': checksum({ common: props.commonJson, component: component.json }),
    });
    const deployment: IDeployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: this.deploymentName,
        labels: {
          app: this.appLabel,
          'app-group': DAEMONS_CHART,
          chart: `${DAEMONS_CHART}-${CHART_VERSION}`,
          release,
          heritage: MANAGED_BY,
        },
        annotations: undefinedIfEmpty(
          sortedMap({
            ...values.deploymentAnnotations,
            ...(metrics ? {} : declare('no-probe-signal', [DAEMONS_CHART])),
            ...declareImageNeeds([DAEMONS_CHART], IMAGE_NEEDS.daemons),
          }),
        ),
      },
      spec: {
        ...(props.autoscaled ? {} : { replicas: props.replicas }),
        minReadySeconds: values.minReadySeconds,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy:
          values.strategy.type === 'Recreate'
            ? { type: 'Recreate' }
            : {
                type: 'RollingUpdate',
                rollingUpdate: values.strategy.rollingUpdate ?? { maxSurge: 1, maxUnavailable: 1 },
              },
        template: {
          metadata: { labels: podLabels, annotations: podAnnotations },
          spec: {
            containers: [container],
            volumes,
            terminationGracePeriodSeconds: daemon.terminationGracePeriodSeconds,
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
            ...(values.serviceAccountName
              ? { serviceAccountName: values.serviceAccountName }
              : { automountServiceAccountToken: false }),
            ...(values.imagePullSecrets.length > 0 ? { imagePullSecrets: values.imagePullSecrets } : {}),
            ...(Object.keys(daemon.nodeSelector).length > 0 ? { nodeSelector: sortedMap(daemon.nodeSelector) } : {}),
            ...(daemon.affinity ? { affinity: daemon.affinity } : {}),
            ...(daemon.tolerations.length > 0 ? { tolerations: daemon.tolerations } : {}),
            ...(daemon.priorityClassName ? { priorityClassName: daemon.priorityClassName } : {}),
          },
        },
      },
    };
    this.deployment = new ApiObject(this, 'Resource', deployment as never);
  }
}
