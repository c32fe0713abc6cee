/**
 * The Rucio releases of an environment, resolved: each release's effective values (the `[monitor]` wiring and the
 * metrics defaults applied), its names, which workloads an autoscaler owns, and each pod's env vars, volumes and
 * mounts, checked. The constructs of `constructs/rucio/` and `constructs/observability/rucio-probes.ts` build their
 * objects from this, and the monitoring, autoscaling, HAProxy and Flux components read names from it.
 */
import { DAEMONS } from '../../values/rucio-daemon-table.js';
import type { DaemonSpec } from '../../values/rucio-daemon-table.js';
import type { Environment } from '../../values/environment.js';
import type { ProbesValues } from '../../values/probes.js';
import type { RucioConfig } from '../../values/common.js';
import { daemonCount, type DaemonValues, type RucioDaemonsValues } from '../../values/rucio-daemons.js';
import type { RucioServerValues } from '../../values/rucio-server.js';
import { PROBES_CONFIG_MAP, PROBES_CRONTAB, PROBES_NAME } from '../../constructs/observability/rucio-probes.js';
import {
  daemonAppLabel,
  daemonConfigMap,
  daemonDeploymentName,
  DAEMONS_CHART,
  type PlannedDaemon,
} from '../../constructs/rucio/rucio-daemon.js';
import { daemonsConfigMap, daemonsFullname } from '../../constructs/rucio/rucio-daemons.js';
import { serverLiterals, serverNames, type ServerNames } from '../../constructs/rucio/rucio-server.js';
import { CONF_D, mergeConfig, renderConfig } from '../../constructs/shared/rucio-config.js';
import type { PodParts } from '../../constructs/shared/rucio-pod.js';
import { checkServerRelease } from './server-rules.js';
import { shellQuote, splitNames } from '../../constructs/shared/shell.js';
import {
  autoscaledDaemons,
  autoscaledServer,
  daemonHasMetrics,
  daemonsWithMetrics,
  serverWithMetrics,
} from './metrics.js';
import { monitorOptions, withMonitorOptions } from './monitor.js';
import { Env, Mounts, guardLabels } from './pod.js';

type KeyPath = readonly (string | number)[];

/** A server release, resolved. */
export interface ServerPlan extends ServerNames {
  readonly release: string;
  /** The effective values: defaults, `[monitor]` wiring, metrics defaults and scrape annotations applied. */
  readonly values: RucioServerValues;
  /** Whether the release runs pods (`replicaCount` above 0): only then does it have a Deployment and a Service. */
  readonly deployed: boolean;
  /** Whether an HPA owns the Deployment's replicas. */
  readonly autoscaled: boolean;
  /** The server container's env vars, the pod's volumes and mounts (empty when not deployed). */
  readonly pod: PodParts;
}

/** One daemon of a daemons release, resolved. */
export interface DaemonPlan extends PlannedDaemon {
  /** The daemon's key in the values (`conveyorTransferSubmitter`). */
  readonly valueKey: string;
  /** The daemon's name (`conveyor-transfer-submitter`). */
  readonly name: string;
  /** The Deployment's name, `<fullname>-<daemon>`. */
  readonly deployment: string;
  /** The `app` label, which with `release` selects the pods. */
  readonly appLabel: string;
  /** Whether the daemon serves Prometheus metrics (`[monitor] enable_metrics` of its merged config). */
  readonly metrics: boolean;
  /** Whether a ScaledObject owns the Deployment's replicas. */
  readonly autoscaled: boolean;
}

/** A daemons release, resolved. */
export interface DaemonsPlan {
  readonly release: string;
  /** The effective values: defaults, `[monitor]` wiring, metrics defaults and scrape annotations applied. */
  readonly values: RucioDaemonsValues;
  /** The prefix of every object's name. */
  readonly fullname: string;
  /** The daemons deployed (count above 0), in the table's order. */
  readonly daemons: readonly DaemonPlan[];
}

/** The probes, resolved. */
export interface ProbesPlan {
  readonly values: ProbesValues;
  /** rucio.cfg of the probes: `common.config`, the probes' own, and the `[monitor]` wiring. */
  readonly config: RucioConfig;
  readonly pod: PodParts;
}

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

/** A server container's env vars and its pod's volumes and mounts, checked; `path` is the release's key path. */
function serverPod(release: string, values: RucioServerValues, path: KeyPath): PodParts {
  const { configMap } = serverNames(release, values);
  const config = renderConfig(values.config);
  const builtIn = serverLiterals(values).all;
  const env = new Env(path)
    .addLiterals(builtIn, 'the server release (useSSL, wsgi, httpd_config, monitoring, logFormat)')
    .add(config.env, 'a secretKeyRef in config', [...path, 'config'])
    .addOptionalConfig(values.optional_config, [...path, 'optional_config'])
    .add(values.additionalEnvs, 'additionalEnvs', [...path, 'additionalEnvs'])
    .result();

  const mounts = new Mounts(path);
  mounts.add(
    { name: 'config-common', configMap: { name: configMap } },
    { mountPath: `${CONF_D}10_common.json`, subPath: 'common.json', readOnly: true },
  );
  if (values.exposeErrorLogs) mounts.add({ name: 'httpdlog', emptyDir: {} }, { mountPath: '/var/log/httpd' });
  if (values.tlsSecretName) {
    const tls = { name: 'hostcert', secret: { secretName: values.tlsSecretName } };
    mounts.add(tls, { mountPath: '/etc/grid-security/hostcert.pem', subPath: 'tls.crt', readOnly: true }, [
      ...path,
      'tlsSecretName',
    ]);
    mounts.add(tls, { mountPath: '/etc/grid-security/hostkey.pem', subPath: 'tls.key', readOnly: true }, [
      ...path,
      'tlsSecretName',
    ]);
  }
  if (values.useDeprecatedImplicitSecrets) {
    const where = [...path, 'useDeprecatedImplicitSecrets'];
    if (values.useSSL) {
      if (!values.tlsSecretName) {
        mounts.add(
          { name: 'hostcert', secret: { secretName: `${release}-server-hostcert` } },
          { mountPath: '/etc/grid-security/hostcert.pem', subPath: 'hostcert.pem', readOnly: true },
          where,
        );
        mounts.add(
          { name: 'hostkey', secret: { secretName: `${release}-server-hostkey` } },
          { mountPath: '/etc/grid-security/hostkey.pem', subPath: 'hostkey.pem', readOnly: true },
          where,
        );
      }
      mounts.add(
        { name: 'cafile', secret: { secretName: `${release}-server-cafile` } },
        { mountPath: '/etc/grid-security/ca.pem', subPath: 'ca.pem', readOnly: true },
        where,
      );
    }
    if (values.ftsRenewal.enabled) {
      mounts.add(
        { name: 'rucio-x509up', secret: { secretName: `${release}-rucio-x509up` } },
        { mountPath: '/opt/proxy', readOnly: true },
        where,
      );
      mounts.add(
        { name: 'rucio-ca-bundle', secret: { secretName: `${release}-rucio-ca-bundle` } },
        { mountPath: '/opt/certs', readOnly: true },
        where,
      );
    }
  }
  mounts.addSecretMounts(release, values.secretMounts, [...path, 'secretMounts']);
  mounts.addHostPathMounts(values.hostPathMounts, [...path, 'hostPathMounts']);
  mounts.addPersistentVolumes(values.persistentVolumes, [...path, 'persistentVolumes']);
  const { volumes, volumeMounts } = mounts.result();
  guardLabels([...path, 'podLabels'], values.podLabels, serverNames(release, values).selector);
  return { env, volumes, volumeMounts };
}

/** A server release of the environment, resolved. */
export function planServer(env: Environment, release: string, wired: RucioServerValues): ServerPlan {
  const plan = planServerRelease(release, serverWithMetrics(env, release, wired), autoscaledServer(env, release));
  checkServerRelease(release, plan.values, plan.pod);
  return plan;
}

/** A server release from its effective values alone (no environment). */
export function planServerRelease(release: string, values: RucioServerValues, autoscaled = false): ServerPlan {
  const deployed = values.replicaCount > 0;
  return {
    release,
    values,
    ...serverNames(release, values),
    deployed,
    autoscaled,
    pod: deployed ? serverPod(release, values, ['servers', release]) : { env: [], volumes: [], volumeMounts: [] },
  };
}

/** A daemon's container env vars and its pod's volumes and mounts, checked; `releasePath` is the release's key path. */
function daemonPod(release: string, values: RucioDaemonsValues, spec: DaemonSpec, releasePath: KeyPath): PodParts {
  const props = { path: releasePath, commonConfigMap: daemonsConfigMap(daemonsFullname(release, values)) };
  const daemon = values[spec.valueKey];
  const path = [...releasePath, spec.valueKey];
  const componentName = daemonConfigMap(daemonsFullname(release, values), spec);
  const selector = { app: daemonAppLabel(values, spec), release };
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
  if (daemon.hostPathMounts !== undefined) mounts.addHostPathMounts(daemon.hostPathMounts, [...path, 'hostPathMounts']);
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
  return { env, volumes, volumeMounts };
}

/** A daemons release of the environment, resolved. */
export function planDaemons(env: Environment, release: string, wired: RucioDaemonsValues): DaemonsPlan {
  return planDaemonsRelease(release, daemonsWithMetrics(env, release, wired), autoscaledDaemons(env, release));
}

/**
 * A daemons release from its effective values alone (no environment); `autoscaled` holds the value keys of the
 * daemons whose replicas an autoscaler owns.
 */
export function planDaemonsRelease(
  release: string,
  values: RucioDaemonsValues,
  autoscaled: ReadonlySet<string> = new Set(),
): DaemonsPlan {
  const fullname = daemonsFullname(release, values);
  const daemons: DaemonPlan[] = [];
  for (const spec of DAEMONS) {
    const replicas = daemonCount(values, spec);
    if (replicas === 0) continue;
    daemons.push({
      spec,
      valueKey: spec.valueKey,
      name: spec.name,
      replicas,
      deployment: daemonDeploymentName(fullname, spec),
      appLabel: daemonAppLabel(values, spec),
      metrics: daemonHasMetrics(values, spec.valueKey),
      autoscaled: autoscaled.has(spec.valueKey),
      pod: daemonPod(release, values, spec, ['daemons', release]),
    });
  }
  return { release, values, fullname, daemons };
}

/** The probes of the environment, resolved: their rucio.cfg with the `[monitor]` wiring, their pod. */
export function planProbes(environmentValues: Environment, environment: string, values: ProbesValues): ProbesPlan {
  const path: KeyPath = ['probes'];
  // `common` was parsed by commonSchema, whose keys come from releaseShared (typed loosely there).
  const common = (environmentValues.common as { config?: RucioConfig }).config ?? {};
  let rucioCfg = mergeConfig(common, values.config);
  if (environmentValues.pushgateway)
    rucioCfg = withMonitorOptions(
      rucioCfg,
      monitorOptions(environmentValues.pushgateway, environmentValues.namespace, environment),
    );
  const config = renderConfig(rucioCfg);
  const configName = PROBES_CONFIG_MAP;
  const cronName = PROBES_CRONTAB;
  const env = new Env(path)
    .addLiterals({ RUCIO_OVERRIDE_CONFIGS: CONF_D, RUCIO_USING_CRON: 'True' }, 'the probes')
    .add(config.env, 'a secretKeyRef in config', [...path, 'config'])
    .result();
  const mounts = new Mounts(path);
  mounts.add(
    { name: 'config-common', configMap: { name: configName } },
    { mountPath: `${CONF_D}10_common.json`, subPath: 'common.json', readOnly: true },
  );
  mounts.add(
    { name: 'crontab', configMap: { name: cronName, defaultMode: 0o644 } },
    { mountPath: '/etc/cron.d/probes', subPath: 'probes', readOnly: true },
  );
  if (values.ftsProxySecret) {
    mounts.add(
      { name: 'proxy', secret: { secretName: values.ftsProxySecret } },
      { mountPath: '/opt/proxy', readOnly: true },
      [...path, 'ftsProxySecret'],
    );
  }
  mounts.addSecretMounts(PROBES_NAME, values.secretMounts, [...path, 'secretMounts']);
  const { volumes, volumeMounts } = mounts.result();
  return { values, config: rucioCfg, pod: { env, volumes, volumeMounts } };
}
