/**
 * The plan of one WebUI release: everything its construct needs, resolved once from the parsed values. Every values
 * error of the release (an env var set twice, two mounts on one path, a podLabel over the selector) is raised here
 * as a `ValuesError` at the key to edit; the construct only builds objects.
 */
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { RucioWebuiProps } from '../../constructs/rucio/rucio-webui.js';
import { checksum } from '../../constructs/shared/rucio-config.js';
import { fullname } from '../../constructs/shared/rucio-pod.js';
import type { SecretKeyRef } from '../../values/common.js';
import type { RucioWebuiValues, WebuiValue } from '../../values/rucio-webui.js';
import type { HelmReleasePlan } from './helm-release.js';
import { Env, Mounts, guardLabels } from './pod.js';

/** The chart name: the default `app` label, the container's name and the fullname suffix. */
const WEBUI_CHART = 'rucio-webui';

/** Where httpd writes its logs (with `RUCIO_ENABLE_LOGS`), and where pm2 writes the WebUI's. */
const HTTPD_LOG_DIR = '/var/log/httpd';
const PM2_LOG_DIR = '/root/.pm2/logs/';

/** The chart's access log format for the WebUI (`RUCIO_LOG_FORMAT`). */
const WEBUI_LOG_FORMAT =
  '[%{%Y-%m-%d %H:%M:%S}t]\\t%v\\t%h\\t%{X-Forwarded-For}i\\t%{X-Rucio-RequestId}i\\t%>s\\t%I\\t%B\\t%D\\t\\"%r\\"\\t\\"%{X-Rucio-Auth-Token}i\\"\\t\\"%{User-Agent}i\\"\\t%{X-Rucio-Script}i';

/** A WebUI release, resolved: the props of its construct, and with `output: helmrelease` the chart's HelmRelease. */
export type WebuiPlan = RucioWebuiProps & {
  /** With `output: helmrelease`: the HelmRelease of the upstream chart written instead of the manifests. */
  readonly helmRelease?: HelmReleasePlan;
};

/** An env var name made of a prefix and a map key, as the chart writes it (`snakecase | upper`). */
export function webuiEnvName(...parts: readonly string[]): string {
  return parts
    .map((p) =>
      p
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/[-.\s]+/g, '_')
        .toUpperCase(),
    )
    .join('_');
}

function isRef(value: WebuiValue): value is SecretKeyRef {
  return typeof value === 'object';
}

/** Resolves a WebUI release. `path` is where the release sits in the environment (`['webui', 'webuiint']`). */
export function planWebui(
  release: string,
  values: RucioWebuiValues,
  path: readonly (string | number)[] = ['webui', release],
): WebuiPlan {
  const app = values.nameOverride ?? WEBUI_CHART;
  const name = fullname(release, WEBUI_CHART, values);
  const servingPort = values.useSSL ? 'https' : 'http';
  const service = {
    port: values.service.port ?? (values.useSSL ? 443 : 80),
    targetPort: values.service.targetPort ?? servingPort,
    name: values.service.name ?? servingPort,
  };
  guardLabels([...path, 'podLabels'], values.podLabels, { app, release });

  const literals: Record<string, string> = {};
  const refs: IEnvVar[] = [];
  const put = (env: string, value: WebuiValue | undefined) => {
    if (value === undefined) return;
    if (isRef(value)) refs.push({ name: env, valueFrom: { secretKeyRef: { ...value.secretKeyRef } } });
    else literals[env] = value;
  };
  const { config } = values;
  for (const [key, value] of Object.entries(config.httpd)) put(webuiEnvName('RUCIO_HTTPD', key), value);
  for (const [key, value] of Object.entries(config.webui)) put(webuiEnvName('RUCIO_WEBUI', key), value);
  for (const provider of Object.keys(config.oidc_providers).sort())
    for (const [key, value] of Object.entries(config.oidc_providers[provider]!))
      put(webuiEnvName('RUCIO_WEBUI_OIDC_PROVIDER', provider, key), value);
  for (const vo of Object.keys(config.vo).sort())
    for (const [key, value] of Object.entries(config.vo[vo]!)) put(webuiEnvName('RUCIO_WEBUI_VO', vo, key), value);
  const builtIn: Record<string, string> = {
    RUCIO_ENABLE_LOGS: 'True',
    RUCIO_LOG_FORMAT: WEBUI_LOG_FORMAT,
    RUCIO_LOG_LEVEL: 'INFO',
    RUCIO_WEBUI_ENABLE_SSL: values.useSSL ? 'True' : 'False',
  };
  const env = new Env(path)
    .addLiterals(builtIn, 'the release (useSSL, logs)')
    .addLiterals(literals, 'config (httpd, webui, oidc_providers, vo)', [...path, 'config'])
    .add(
      refs.sort((a, b) => a.name.localeCompare(b.name, 'en')),
      'a secretKeyRef in config',
      [...path, 'config'],
    )
    .addOptionalConfig(values.optionalConfig, [...path, 'optionalConfig'])
    .add(values.additionalEnvs, 'additionalEnvs', [...path, 'additionalEnvs'])
    .result();

  const mounts = new Mounts(path);
  if (config.logs.exposeHttpdLogs) mounts.add({ name: 'httpdlog', emptyDir: {} }, { mountPath: HTTPD_LOG_DIR });
  if (config.logs.exposeWebuiLogs) mounts.add({ name: 'webui-log', emptyDir: {} }, { mountPath: PM2_LOG_DIR });
  if (values.tlsSecretName) {
    const tls = { name: 'hostcert', secret: { secretName: values.tlsSecretName } };
    const where = [...path, 'tlsSecretName'];
    mounts.add(tls, { mountPath: '/etc/grid-security/hostcert.pem', subPath: 'tls.crt', readOnly: true }, where);
    mounts.add(tls, { mountPath: '/etc/grid-security/hostkey.pem', subPath: 'tls.key', readOnly: true }, where);
  }
  if (values.useDeprecatedImplicitSecrets && values.useSSL) {
    const where = [...path, 'useDeprecatedImplicitSecrets'];
    if (!values.tlsSecretName) {
      mounts.add(
        { name: 'hostcert', secret: { secretName: `${release}-hostcert` } },
        { mountPath: '/etc/grid-security/hostcert.pem', subPath: 'hostcert.pem', readOnly: true },
        where,
      );
      mounts.add(
        { name: 'hostkey', secret: { secretName: `${release}-hostkey` } },
        { mountPath: '/etc/grid-security/hostkey.pem', subPath: 'hostkey.pem', readOnly: true },
        where,
      );
    }
    mounts.add(
      { name: 'cafile', secret: { secretName: `${release}-cafile` } },
      { mountPath: '/etc/grid-security/ca.pem', subPath: 'ca.pem', readOnly: true },
      where,
    );
  }
  mounts.addSecretMounts(release, values.secretMounts, [...path, 'secretMounts']);
  mounts.addHostPathMounts(values.hostPathMounts, [...path, 'hostPathMounts']);
  mounts.addPersistentVolumes(values.persistentVolumes, [...path, 'persistentVolumes']);
  const { volumes, volumeMounts } = mounts.result();

  return {
    release,
    values,
    fullname: name,
    app,
    servingPort,
    service,
    env,
    volumes,
    volumeMounts,
    checksum: checksum({ env, volumes, volumeMounts }),
  };
}
