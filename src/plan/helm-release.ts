/**
 * `output: helmrelease`: a server or daemons release, checked and resolved like any other, rendered as the values of
 * the upstream chart (pinned in `values/charts.ts`) for a Flux HelmRelease instead of as manifests.
 *
 * The values are the release's effective values (our defaults, the `[monitor]` wiring and the metrics defaults
 * applied), written in the chart's own form:
 * - every value whose default differs from the chart's is written out (replicas, image and pull policy, implicit
 *   Secrets, hostPath `readOnly`, daemon flags whose defaults are not the chart's), and a chart default we do not share
 *   is removed (`""` for a daemon flag, `null` for a config option, as Helm reads them);
 * - activities become the chart's single string of single-quoted names, optional_config values strings;
 * - a `secretKeyRef` in `config` becomes a `valuesFrom` entry reading the key of that Secret into the same place
 *   (`targetPath: config.<section>.<option>`): no secret value is ever in the HelmRelease;
 * - what the chart cannot do (a key it does not read, a job it binds to the ClusterRole `edit`, an image it does not
 *   let us pin, a value its templates would break) is an error at the key, raised here with the other plan errors.
 */
import { CHARTS, CHART_DEFAULT_CONFIG, CHART_QUOTED_SETTINGS, type Output } from '../../values/charts.js';
import type { HostPathMount, RucioConfig, SecretMount } from '../../values/common.js';
import { IMAGES } from '../../values/images.js';
import type { DaemonSetting, DaemonSpec } from '../../values/rucio-daemon-table.js';
import type { DaemonValues, RucioDaemonsValues } from '../../values/rucio-daemons.js';
import type { RucioServerValues } from '../../values/rucio-server.js';
import { splitNames } from '../../constructs/shared/shell.js';
import { ValuesError } from './errors.js';

type KeyPath = readonly (string | number)[];
type ChartValues = Record<string, unknown>;

/** A `valuesFrom` entry: one key of a Secret placed at a path of the chart's values. */
export interface SecretValuesReference {
  readonly kind: 'Secret';
  readonly name: string;
  readonly valuesKey: string;
  readonly targetPath: string;
  readonly optional?: boolean;
}

/** A release as a HelmRelease of the upstream chart. */
export interface HelmReleasePlan {
  /** The chart's name in the repository (`rucio-server`). */
  readonly chart: string;
  /** The pinned chart version. */
  readonly version: string;
  /** The chart values, in the chart's own form; never a secret. */
  readonly values: Readonly<ChartValues>;
  /** The Secrets' keys read into the values, sorted by target path. */
  readonly valuesFrom: readonly SecretValuesReference[];
}

/** The output of a release: its own `output`, else the environment's. */
export function releaseOutput(environment: Output, own: Output | undefined): Output {
  return own ?? environment;
}

const nonEmpty = (o: object | undefined): boolean => o !== undefined && Object.keys(o).length > 0;

/** Refuses a value the chart cannot apply, at its key. */
function refuse(chart: { chart: string; version: string }, path: KeyPath, what: string, fix: string): never {
  throw new ValuesError(
    path,
    `output: helmrelease installs the ${chart.chart} chart ${chart.version}, which ${what}: ${fix}, or set output: manifests on this release`,
  );
}

/** The literal part of a config, and a `valuesFrom` entry per `secretKeyRef` (at `<target>.<section>.<option>`). */
function chartConfig(config: RucioConfig, target: string, valuesFrom: SecretValuesReference[]): ChartValues {
  const out: ChartValues = {};
  for (const section of Object.keys(config).sort()) {
    const literal: ChartValues = {};
    const options = config[section]!;
    for (const option of Object.keys(options).sort()) {
      const value = options[option]!;
      if (typeof value === 'object') {
        valuesFrom.push({
          kind: 'Secret',
          name: value.secretKeyRef.name,
          valuesKey: value.secretKeyRef.key,
          targetPath: `${target}.${section}.${option}`,
          ...(value.secretKeyRef.optional ? { optional: true } : {}),
        });
      } else literal[option] = value;
    }
    if (nonEmpty(literal)) out[section] = literal;
  }
  return out;
}

/** Removes the chart's default config options the release does not set (Helm removes a default set to `null`). */
function withoutChartConfig(config: ChartValues, defaults: RucioConfig, source: RucioConfig): ChartValues {
  const out: ChartValues = { ...config };
  for (const [section, options] of Object.entries(defaults)) {
    for (const option of Object.keys(options)) {
      if (source[section]?.[option] !== undefined) continue;
      const current = out[section];
      out[section] = { ...(typeof current === 'object' && current !== null ? current : {}), [option]: null };
    }
  }
  return out;
}

export function secretMounts(
  chart: { chart: string; version: string },
  mounts: readonly SecretMount[],
  path: KeyPath,
): ChartValues[] {
  return mounts.map((m, i) => {
    if (m.optional)
      refuse(chart, [...path, i, 'optional'], 'mounts every Secret as required', 'remove optional (create the Secret)');
    const rest: ChartValues = { ...m };
    delete rest.optional;
    return rest;
  });
}

/** hostPath mounts with `readOnly` written out: ours defaults to true, the chart to false. */
export function hostPathMounts(mounts: readonly HostPathMount[]): ChartValues[] {
  return mounts.map((m) => ({ ...m }));
}

export function persistentVolumes(
  chart: { chart: string; version: string },
  volumes: RucioServerValues['persistentVolumes'],
  path: KeyPath,
): ChartValues {
  const out: ChartValues = {};
  for (const [name, v] of Object.entries(volumes)) {
    if (v.readOnly)
      refuse(chart, [...path, name, 'readOnly'], 'mounts persistent volumes read-write only', 'remove readOnly');
    out[name] = { name: v.name, mountPath: v.mountPath };
  }
  return out;
}

/** optional_config as the env var strings ours sets (`True`/`False` for booleans). */
function optionalConfig(map: Readonly<Record<string, string | number | boolean>>): ChartValues {
  const out: ChartValues = {};
  for (const k of Object.keys(map).sort()) {
    const v = map[k]!;
    out[k] = typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
  }
  return out;
}

/** The keys both charts read the same way, from the keys every release shares. */
function sharedValues(
  chart: { chart: string; version: string },
  v: RucioServerValues | RucioDaemonsValues,
  path: KeyPath,
): ChartValues {
  if (v.ftsRenewal.enabled)
    refuse(
      chart,
      [...path, 'ftsRenewal', 'enabled'],
      "binds its FTS renewal job to the ClusterRole 'edit' and runs it as a Helm hook (difference scoped-job-roles)",
      'run the renewal from a release rendered to manifests (its Role is limited to the Secrets it writes)',
    );
  if (v.automaticRestart.enabled)
    refuse(
      chart,
      [...path, 'automaticRestart', 'enabled'],
      "binds its restart job to the ClusterRole 'edit' (difference scoped-job-roles)",
      'turn the automatic restart off',
    );
  return {
    ...(v.fullnameOverride ? { fullnameOverride: v.fullnameOverride } : {}),
    ...(v.nameOverride ? { nameOverride: v.nameOverride } : {}),
    image: { repository: v.image.repository, tag: v.image.tag, pullPolicy: v.image.pullPolicy },
    ...(v.imageRegistry ? { imageRegistry: v.imageRegistry } : {}),
    ...(v.imagePullSecrets.length > 0 ? { imagePullSecrets: v.imagePullSecrets } : {}),
    useDeprecatedImplicitSecrets: v.useDeprecatedImplicitSecrets,
    strategy: v.strategy,
    minReadySeconds: v.minReadySeconds,
    ...(v.serviceAccountName ? { serviceAccountName: v.serviceAccountName } : {}),
    ...(nonEmpty(v.deploymentAnnotations) ? { deploymentAnnotations: v.deploymentAnnotations } : {}),
    ...(nonEmpty(v.optional_config) ? { optional_config: optionalConfig(v.optional_config) } : {}),
    ...(v.additionalEnvs.length > 0 ? { additionalEnvs: v.additionalEnvs } : {}),
    ...(v.secretMounts.length > 0
      ? { secretMounts: secretMounts(chart, v.secretMounts, [...path, 'secretMounts']) }
      : {}),
    ...(v.hostPathMounts.length > 0 ? { hostPathMounts: hostPathMounts(v.hostPathMounts) } : {}),
    ...(nonEmpty(v.persistentVolumes)
      ? { persistentVolumes: persistentVolumes(chart, v.persistentVolumes, [...path, 'persistentVolumes']) }
      : {}),
  };
}

/** A server release as the rucio-server chart's values. */
export function serverHelmRelease(values: RucioServerValues, path: KeyPath): HelmReleasePlan {
  const chart = CHARTS.rucioServer;
  const v = values;
  if (v.monitoring.enabled)
    refuse(
      chart,
      [...path, 'monitoring', 'enabled'],
      'runs its apache exporter as rucio/apache_exporter without a tag (latest), which cannot be pinned (difference pinned-images)',
      'set monitoring.enabled: false',
    );
  if (nonEmpty(v.podLabels)) refuse(chart, [...path, 'podLabels'], 'has no pod labels', 'remove podLabels');
  if (nonEmpty(v.podAnnotations))
    refuse(chart, [...path, 'podAnnotations'], 'has no pod annotations', 'remove podAnnotations');
  if (v.priorityClassName !== undefined)
    refuse(chart, [...path, 'priorityClassName'], 'has no priorityClassName', 'remove it');
  if (v.terminationGracePeriodSeconds !== 30)
    refuse(
      chart,
      [...path, 'terminationGracePeriodSeconds'],
      'leaves the grace period at the Kubernetes default of 30 s',
      'remove terminationGracePeriodSeconds',
    );
  for (const probe of ['readinessProbe', 'livenessProbe'] as const)
    if (v[probe].failureThreshold !== 3)
      refuse(
        chart,
        [...path, probe, 'failureThreshold'],
        `sets only the timings of its ${probe} (failureThreshold stays 3)`,
        'remove failureThreshold',
      );
  if (v.logFormat.includes("'"))
    refuse(
      chart,
      [...path, 'logFormat'],
      "writes the log format into a single-quoted YAML string, which a ' breaks",
      "write the format without '",
    );
  const valuesFrom: SecretValuesReference[] = [];
  const config = chartConfig(v.config, 'config', valuesFrom);
  const out: ChartValues = {
    ...sharedValues(chart, v, path),
    replicaCount: v.replicaCount,
    useSSL: v.useSSL,
    ...(v.tlsSecretName ? { tlsSecretName: v.tlsSecretName } : {}),
    ...(v.hostname ? { hostname: v.hostname } : {}),
    serverType: v.serverType,
    exposeErrorLogs: v.exposeErrorLogs,
    ...(v.exposeErrorLogs
      ? {
          errorLog: { image: IMAGES.busybox.repository, tag: IMAGES.busybox.tag },
          errorLogsExporterResources: v.errorLogsExporterResources,
        }
      : {}),
    service: v.service,
    ingress: v.ingress.enabled ? v.ingress : { enabled: false },
    readinessProbe: probeTimings(v.readinessProbe),
    livenessProbe: probeTimings(v.livenessProbe),
    logFormat: v.logFormat,
    wsgi: v.wsgi,
    ...(nonEmpty(v.httpd_config) ? { httpd_config: v.httpd_config } : {}),
    monitoring: { enabled: false },
    serverResources: v.serverResources,
    ...(nonEmpty(config) ? { config } : {}),
    ...(nonEmpty(v.nodeSelector) ? { nodeSelector: v.nodeSelector } : {}),
    ...(v.tolerations.length > 0 ? { tolerations: v.tolerations } : {}),
    ...(v.affinity ? { affinity: v.affinity } : {}),
  };
  return { chart: chart.chart, version: chart.version, values: out, valuesFrom: byTarget(valuesFrom) };
}

function probeTimings(p: RucioServerValues['readinessProbe']): ChartValues {
  return {
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
  };
}

function byTarget(refs: SecretValuesReference[]): SecretValuesReference[] {
  return refs.sort((a, b) => (a.targetPath < b.targetPath ? -1 : a.targetPath > b.targetPath ? 1 : 0));
}

/** Characters that survive every way the daemons chart puts a value into the `eval`ed RUCIO_DAEMON_ARGS. */
const PLAIN_WORD = /^[A-Za-z0-9_.,:/=@%+-]+$/;
/** What an expression may hold inside the chart's `="…"` (and the single-quoted YAML string around it). */
const QUOTED_EXPRESSION = /^[^"\\$`'\n\r\0]+$/;
/** Characters a name may hold inside the chart's single-quoted activities (its YAML quoting forbids `"` and `\`). */
const QUOTABLE_NAME = /^[^"\\\n\r\0']+$/;

/** A setting's value is "set" for the chart only when it is truthy (`{{- if .x }}`). */
const truthy = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && v !== 0 && v !== false;

/** One daemon setting in the chart's form, or undefined to leave the chart's default. */
function chartSetting(
  chart: { chart: string; version: string },
  spec: DaemonSpec,
  s: DaemonSetting,
  value: unknown,
  path: KeyPath,
): { value: unknown } | undefined {
  const at = [...path, s.key];
  if (value === undefined) return truthy(s.chartDefault) ? { value: '' } : undefined;
  switch (s.kind) {
    case 'int':
      if (value === 0)
        refuse(
          chart,
          at,
          `leaves ${s.flag} out when the value is 0 (the daemon then runs with its own default)`,
          'set a positive number or remove the key',
        );
      return Number(value) === Number(s.chartDefault) ? undefined : { value };
    case 'flag':
      return value === truthy(s.chartDefault) ? undefined : { value };
    case 'string':
    case 'expression': {
      const text = value as string;
      if (CHART_QUOTED_SETTINGS[spec.valueKey]?.includes(s.key)) {
        if (!QUOTED_EXPRESSION.test(text))
          refuse(
            chart,
            at,
            `puts ${s.flag} into RUCIO_DAEMON_ARGS as ${s.flag}="…", which ${JSON.stringify(text)} would break (no ", \\, $, \` or ')`,
            'write the expression without those characters',
          );
      } else if (!PLAIN_WORD.test(text))
        refuse(
          chart,
          at,
          `puts ${s.flag} into RUCIO_DAEMON_ARGS without quoting it, and the image's shell evaluates that string, so ${JSON.stringify(text)} would not reach the daemon as written (only letters, digits and _.,:/=@%+- do)`,
          'write the value without those characters',
        );
      return text === s.chartDefault ? undefined : { value: text };
    }
    case 'names': {
      const list = Array.isArray(value) ? (value as string[]) : splitNames(value as string);
      const bad = list.find((n) => !QUOTABLE_NAME.test(n));
      if (bad !== undefined)
        refuse(
          chart,
          at,
          `takes ${s.key} as one string of single-quoted names inside a quoted YAML string, which ${JSON.stringify(bad)} would break`,
          'write the names without quotes or backslashes',
        );
      const text = list.map((n) => `'${n}'`).join(' ');
      return text === s.chartDefault ? undefined : { value: text };
    }
  }
}

const sameResources = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** One deployed daemon's block in the chart's form. */
function daemonBlock(
  chart: { chart: string; version: string },
  spec: DaemonSpec,
  d: DaemonValues,
  path: KeyPath,
  valuesFrom: SecretValuesReference[],
): ChartValues {
  if (nonEmpty(d.podLabels))
    refuse(
      chart,
      [...path, 'podLabels'],
      'reads podLabels only for the whole release (difference honored-keys)',
      "move the labels to the release's podLabels",
    );
  if (d.priorityClassName !== undefined)
    refuse(chart, [...path, 'priorityClassName'], 'has no priorityClassName for a daemon', 'remove it');
  if (d.terminationGracePeriodSeconds !== 30)
    refuse(
      chart,
      [...path, 'terminationGracePeriodSeconds'],
      'leaves the grace period at the Kubernetes default of 30 s',
      'remove terminationGracePeriodSeconds',
    );
  const block: ChartValues = {};
  for (const s of spec.settings) {
    const setting = chartSetting(chart, spec, s, d[s.key], path);
    if (setting) block[s.key] = setting.value;
  }
  if (!sameResources(d.resources, spec.resources)) block.resources = d.resources;
  const config = chartConfig(d.config, `${spec.valueKey}.config`, valuesFrom);
  if (nonEmpty(config)) block.config = config;
  if (d.image.tag !== undefined) block.image = { tag: d.image.tag };
  if (nonEmpty(d.podAnnotations)) block.podAnnotations = d.podAnnotations;
  if (d.additionalEnvs.length > 0) block.additionalEnvs = d.additionalEnvs;
  if (d.secretMounts !== undefined) block.secretMounts = secretMounts(chart, d.secretMounts, [...path, 'secretMounts']);
  if (d.extraSecretMounts.length > 0)
    block.extraSecretMounts = secretMounts(chart, d.extraSecretMounts, [...path, 'extraSecretMounts']);
  if (d.hostPathMounts !== undefined) block.hostPathMounts = hostPathMounts(d.hostPathMounts);
  if (d.extraHostPathMounts.length > 0) block.extraHostPathMounts = hostPathMounts(d.extraHostPathMounts);
  if (nonEmpty(d.nodeSelector)) block.nodeSelector = d.nodeSelector;
  if (d.affinity) block.affinity = d.affinity;
  if (d.tolerations.length > 0) block.tolerations = d.tolerations;
  if (spec.ssl && d.useSSL) block.useSSL = true;
  return block;
}

/** A deployed daemon of a daemons release, as `daemonsHelmRelease` needs it. */
export interface DeployedDaemon {
  readonly spec: DaemonSpec;
  readonly replicas: number;
}

/** A daemons release as the rucio-daemons chart's values; `daemons` are the deployed ones, in the table's order. */
export function daemonsHelmRelease(
  values: RucioDaemonsValues,
  daemons: readonly DeployedDaemon[],
  path: KeyPath,
): HelmReleasePlan {
  const chart = CHARTS.rucioDaemons;
  const v = values;
  const valuesFrom: SecretValuesReference[] = [];
  const config = withoutChartConfig(
    chartConfig(v.config, 'config', valuesFrom),
    CHART_DEFAULT_CONFIG.rucioDaemons,
    v.config,
  );
  const out: ChartValues = {
    ...sharedValues(chart, v, path),
    ...(nonEmpty(v.podLabels) ? { podLabels: v.podLabels } : {}),
    ...(nonEmpty(v.podAnnotations) ? { podAnnotations: v.podAnnotations } : {}),
    ...(v.monitoring.enabled ? { monitoring: v.monitoring } : {}),
    ...(nonEmpty(config) ? { config } : {}),
  };
  for (const { spec, replicas } of daemons) {
    out[`${spec.valueKey}Count`] = replicas;
    const block = daemonBlock(chart, spec, v[spec.valueKey], [...path, spec.valueKey], valuesFrom);
    if (nonEmpty(block)) out[spec.valueKey] = block;
  }
  return { chart: chart.chart, version: chart.version, values: out, valuesFrom: byTarget(valuesFrom) };
}
