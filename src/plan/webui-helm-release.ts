/**
 * `output: helmrelease` for a WebUI release: its values, checked and resolved like any other WebUI release
 * (`planWebui`), rendered as the values of the upstream rucio-webui chart (pinned in `values/charts.ts`).
 *
 * The chart, as read from rucio/helm-charts `charts/rucio-webui` (values.yaml at 03bccd5e, chart 36.0.4;
 * templates/deployment.yaml at 2710ac9b and 1aea4e48; service.yaml at 04572dc1; ingress.yaml at 2fdeeab8;
 * _helpers.tpl at 7fdbf5fc): the container's env is `config.httpd.<k>` → `RUCIO_HTTPD_<K>`, `config.webui.<k>` →
 * `RUCIO_WEBUI_<K>` (left out when `additionalEnvs` names the same variable), `config.oidc_providers.<p>.<k>` →
 * `RUCIO_WEBUI_OIDC_PROVIDER_<P>_<K>`, `config.vo.<v>.<k>` → `RUCIO_WEBUI_VO_<V>_<K>` (each `value: {{ $val | quote }}`),
 * `optionalConfig` (`value: "{{ $val }}"`), the log settings, `RUCIO_WEBUI_ENABLE_SSL` from `useSSL`, then
 * `additionalEnvs` as written; ports `http` 80 and, with `useSSL`, `https` 443; the Ingress's backend port is
 * `service.port`. The stored service.yaml is older than values.yaml 36.0.4: it derives the port, target port and name
 * from `service.useSSL` (443/https, else 80/http), where values.yaml 36.0.4 declares `service.port`, `targetPort`,
 * `name`, `loadBalancerIP`, … (the rucio-server chart's keys, whose service.yaml reads them). The values carry both, so
 * either template renders the same Service, and a port, target port or name other than `useSSL`'s is refused.
 *
 * So the values are written in that form:
 * - every env value as the string the WebUI container gets (`True`/`False`, numbers as text);
 * - a `secretKeyRef` anywhere in `config` becomes an `additionalEnvs` entry `{name, valueFrom: {secretKeyRef}}` of the
 *   same variable (the chart's own way to take a value from a Secret), and the key is left out of `config` (removed
 *   with `null` where the chart has a default): no secret value is ever in the HelmRelease, nor in the chart's config
 *   Secret or the Deployment;
 * - the chart's defaults ours does not share are removed (`null`): its placeholder OIDC provider `cern`, its VO `def`
 *   when ours has no such VO, its `community_logo_url`, its ingress annotations;
 * - `service.port`, `targetPort` and `name` as ours resolves them, and `service.useSSL` (which the template reads).
 *
 * What the chart cannot do is an error at the key: pod labels and annotations, probes other than ours (it has none),
 * log sidecar resources, its unpinned `busybox` log sidecars, a Service port other than `useSSL`'s, values its
 * templates would break.
 */
import { CHARTS, WEBUI_CHART_DEFAULTS } from '../../values/charts.js';
import type { SecretKeyRef } from '../../values/common.js';
import { WEBUI_DEFAULTS, type RucioWebuiValues, type WebuiValue } from '../../values/rucio-webui.js';
import { ValuesError } from './errors.js';
import type { HelmReleasePlan } from './helm-release.js';
import { hostPathMounts, persistentVolumes, secretMounts } from './helm-release.js';
import { webuiEnvName, type WebuiPlan } from './rucio-webui.js';

type KeyPath = readonly (string | number)[];
type ChartValues = Record<string, unknown>;

const CHART = CHARTS.rucioWebui;

/** Refuses a value the chart cannot apply, at its key: what the chart does, the value received, what to do. */
function refuse(path: KeyPath, received: unknown, what: string, fix: string): never {
  throw new ValuesError(
    path,
    `output: helmrelease installs the ${CHART.chart} chart ${CHART.version}, which ${what} (received ${JSON.stringify(received)}): ${fix}, or set output: manifests on this release`,
  );
}

const nonEmpty = (o: object | undefined): boolean => o !== undefined && Object.keys(o).length > 0;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const isRef = (v: WebuiValue | undefined): v is SecretKeyRef => typeof v === 'object';

/** An `additionalEnvs` entry reading a Secret's key into a variable. */
function secretEnv(name: string, ref: SecretKeyRef): ChartValues {
  return { name, valueFrom: { secretKeyRef: { ...ref.secretKeyRef } } };
}

/**
 * One map of `config` (`webui`, a provider, a VO) in the chart's form: literals as strings, each `secretKeyRef` an
 * `additionalEnvs` entry, and `null` for each of the chart's own keys (`chartKeys`) ours does not set literally.
 */
function chartMap(
  map: Readonly<Record<string, WebuiValue | undefined>>,
  env: (key: string) => string,
  chartKeys: readonly string[],
  refs: ChartValues[],
): ChartValues {
  const out: ChartValues = {};
  for (const key of [...new Set([...Object.keys(map), ...chartKeys])].sort()) {
    const value = map[key];
    if (value === undefined || isRef(value)) {
      if (chartKeys.includes(key)) out[key] = null;
      if (isRef(value)) refs.push(secretEnv(env(key), value));
    } else out[key] = value;
  }
  return out;
}

/** The `config` of a WebUI release in the chart's form, and the `additionalEnvs` its secret references become. */
function chartConfig(config: RucioWebuiValues['config'], refs: ChartValues[]): ChartValues {
  const webui = chartMap(config.webui, (k) => webuiEnvName('RUCIO_WEBUI', k), WEBUI_CHART_DEFAULTS.webui, refs);
  const providers: ChartValues = {};
  const chartProviders: Readonly<Record<string, readonly string[]>> = WEBUI_CHART_DEFAULTS.oidcProviders;
  for (const p of [...new Set([...Object.keys(config.oidc_providers), ...Object.keys(chartProviders)])].sort()) {
    const ours = config.oidc_providers[p];
    if (!ours) providers[p] = null;
    else
      providers[p] = chartMap(
        ours,
        (k) => webuiEnvName('RUCIO_WEBUI_OIDC_PROVIDER', p, k),
        chartProviders[p] ?? [],
        refs,
      );
  }
  const vos: ChartValues = {};
  const chartVos: Readonly<Record<string, readonly string[]>> = WEBUI_CHART_DEFAULTS.vo;
  for (const v of [...new Set([...Object.keys(config.vo), ...Object.keys(chartVos)])].sort()) {
    const ours = config.vo[v];
    if (!ours) vos[v] = null;
    else vos[v] = chartMap(ours, (k) => webuiEnvName('RUCIO_WEBUI_VO', v, k), chartVos[v] ?? [], refs);
  }
  const httpd: ChartValues = {};
  for (const k of Object.keys(config.httpd).sort()) {
    const value = config.httpd[k as keyof typeof config.httpd];
    if (value !== undefined) httpd[k] = value;
  }
  return { httpd, webui, oidc_providers: providers, vo: vos, logs: { ...config.logs } };
}

/** Characters the chart's `value: "{{ $val }}"` of `optionalConfig` carries unchanged inside its double quotes. */
const DOUBLE_QUOTABLE = /^[^"\\\n\r\0]*$/;

/** A WebUI release as the rucio-webui chart's values. */
export function webuiHelmRelease(plan: WebuiPlan, path: KeyPath): HelmReleasePlan {
  const v = plan.values;
  if (nonEmpty(v.podLabels)) refuse([...path, 'podLabels'], v.podLabels, 'has no pod labels', 'remove podLabels');
  if (nonEmpty(v.podAnnotations))
    refuse([...path, 'podAnnotations'], v.podAnnotations, 'has no pod annotations', 'remove podAnnotations');
  for (const probe of ['readinessProbe', 'livenessProbe'] as const)
    if (!same(v[probe], WEBUI_DEFAULTS[probe]))
      refuse(
        [...path, probe],
        v[probe],
        `has no ${probe} (the WebUI pods run without one: difference helmrelease-webui-no-probes)`,
        `remove ${probe}`,
      );
  if (!same(v.logSidecarResources, WEBUI_DEFAULTS.logSidecarResources))
    refuse(
      [...path, 'logSidecarResources'],
      v.logSidecarResources,
      'sets no resources on its log sidecars',
      'remove logSidecarResources',
    );
  for (const key of ['exposeHttpdLogs', 'exposeWebuiLogs'] as const)
    if (v.config.logs[key])
      refuse(
        [...path, 'config', 'logs', key],
        true,
        'runs its log sidecars as busybox without a tag (latest), which cannot be pinned (difference pinned-images)',
        `set config.logs.${key}: false (true is the default)`,
      );
  const servingPort = v.useSSL ? 'https' : 'http';
  const chartPort = { port: v.useSSL ? 443 : 80, targetPort: servingPort, name: servingPort };
  for (const key of ['port', 'targetPort', 'name'] as const)
    if (v.service[key] !== undefined && v.service[key] !== chartPort[key])
      refuse(
        [...path, 'service', key],
        v.service[key],
        `derives the Service's ${key} from useSSL (${JSON.stringify(chartPort[key])} here)`,
        `remove service.${key}`,
      );
  if (v.useDeprecatedImplicitSecrets && v.useSSL && v.tlsSecretName)
    refuse(
      [...path, 'useDeprecatedImplicitSecrets'],
      true,
      'mounts the implicit hostcert and hostkey Secrets and the tlsSecretName on the same paths',
      'use tlsSecretName alone (remove useDeprecatedImplicitSecrets)',
    );
  v.ingress.tls.forEach((t, i) => {
    if (t.hosts !== undefined && !same(t.hosts, v.ingress.hosts))
      refuse(
        [...path, 'ingress', 'tls', i, 'hosts'],
        t.hosts,
        'puts every host of ingress.hosts into each TLS entry',
        'remove hosts from the TLS entry',
      );
  });
  v.secretMounts.forEach((m, i) => {
    if (m.defaultMode !== undefined)
      refuse(
        [...path, 'secretMounts', i, 'defaultMode'],
        m.defaultMode,
        'sets no defaultMode on Secret volumes',
        'remove defaultMode',
      );
  });
  const optionalConfig: ChartValues = {};
  for (const k of Object.keys(v.optionalConfig).sort()) {
    const raw = v.optionalConfig[k]!;
    const text = typeof raw === 'boolean' ? (raw ? 'True' : 'False') : String(raw);
    if (!DOUBLE_QUOTABLE.test(text))
      refuse(
        [...path, 'optionalConfig', k],
        raw,
        'writes optionalConfig values inside double quotes without escaping them, which the value would break',
        'write the value without ", \\ or line breaks',
      );
    optionalConfig[k] = text;
  }
  const refs: ChartValues[] = [];
  const config = chartConfig(v.config, refs);
  const ingressAnnotations: ChartValues = {};
  for (const a of WEBUI_CHART_DEFAULTS.ingressAnnotations) ingressAnnotations[a] = null;
  Object.assign(ingressAnnotations, v.ingress.annotations);
  const out: ChartValues = {
    ...(v.fullnameOverride ? { fullnameOverride: v.fullnameOverride } : {}),
    ...(v.nameOverride ? { nameOverride: v.nameOverride } : {}),
    replicaCount: v.replicaCount,
    strategy: v.strategy,
    minReadySeconds: v.minReadySeconds,
    image: { repository: v.image.repository, tag: v.image.tag, pullPolicy: v.image.pullPolicy },
    ...(v.imagePullSecrets.length > 0 ? { imagePullSecrets: v.imagePullSecrets } : {}),
    ...(v.imageRegistry ? { imageRegistry: v.imageRegistry } : {}),
    ...(nonEmpty(v.deploymentAnnotations) ? { deploymentAnnotations: v.deploymentAnnotations } : {}),
    ...(v.serviceAccountName ? { serviceAccountName: v.serviceAccountName } : {}),
    useSSL: v.useSSL,
    ...(v.hostname ? { hostname: v.hostname } : {}),
    ...(v.tlsSecretName ? { tlsSecretName: v.tlsSecretName } : {}),
    service: {
      type: v.service.type,
      port: plan.service.port,
      targetPort: plan.service.targetPort,
      protocol: v.service.protocol,
      name: plan.service.name,
      // The Service template of the chart as read (an older one) derives the port from this key.
      useSSL: v.useSSL,
      ...(nonEmpty(v.service.annotations) ? { annotations: v.service.annotations } : {}),
      ...(v.service.loadBalancerIP ? { loadBalancerIP: v.service.loadBalancerIP } : {}),
      ...(v.service.loadBalancerClass ? { loadBalancerClass: v.service.loadBalancerClass } : {}),
      ...(v.service.externalTrafficPolicy ? { externalTrafficPolicy: v.service.externalTrafficPolicy } : {}),
      ...(v.service.allocateLoadBalancerNodePorts === undefined
        ? {}
        : { allocateLoadBalancerNodePorts: v.service.allocateLoadBalancerNodePorts }),
      useExternalDNS: v.service.useExternalDNS,
    },
    useDeprecatedImplicitSecrets: v.useDeprecatedImplicitSecrets,
    ingress: v.ingress.enabled
      ? {
          enabled: true,
          ...(v.ingress.ingressClassName ? { ingressClassName: v.ingress.ingressClassName } : {}),
          annotations: ingressAnnotations,
          path: v.ingress.path,
          hosts: v.ingress.hosts,
          tls: v.ingress.tls.map((t) => ({ secretName: t.secretName })),
        }
      : { enabled: false },
    ...(v.secretMounts.length > 0
      ? { secretMounts: secretMounts(CHART, v.secretMounts, [...path, 'secretMounts']) }
      : {}),
    ...(v.hostPathMounts.length > 0 ? { hostPathMounts: hostPathMounts(v.hostPathMounts) } : {}),
    ...(nonEmpty(v.persistentVolumes)
      ? { persistentVolumes: persistentVolumes(CHART, v.persistentVolumes, [...path, 'persistentVolumes']) }
      : {}),
    config,
    ...(nonEmpty(optionalConfig) ? { optionalConfig } : {}),
    ...(refs.length + v.additionalEnvs.length > 0 ? { additionalEnvs: [...refs, ...v.additionalEnvs] } : {}),
    resources: v.resources,
    ...(nonEmpty(v.nodeSelector) ? { nodeSelector: v.nodeSelector } : {}),
    ...(v.tolerations.length > 0 ? { tolerations: v.tolerations } : {}),
    ...(v.affinity ? { affinity: v.affinity } : {}),
  };
  return { chart: CHART.chart, version: CHART.version, values: out, valuesFrom: [] };
}
