/**
 * Keys the upstream charts renamed or dropped, with what replaced them.
 *
 * Real values files still carry them (ESCAPE's `additionalSecrets` and `hermes2*`, CMS's `reaper2Count`, everyone's
 * `thread_limit`), and the charts ignore them without a word. Here each one is an error that says what to write
 * instead.
 */

/** Where a key sits: in a server, daemons or WebUI release, or the environment's `common` layer. */
export type ReleaseKind = 'servers' | 'daemons' | 'webui' | 'common';

interface RetiredKey {
  /** The kinds of release the rule applies to. */
  readonly in: readonly ReleaseKind[];
  /** The key's path inside the release, `*` matching any one segment. */
  readonly path: readonly string[];
  readonly message: string;
}

const SPLIT_SERVERS =
  'removed in chart 1.31: a server release serves one kind of server; add a separate release under servers: with config.api.endpoints';

/** The table of retired keys. */
export const RETIRED_KEYS: readonly RetiredKey[] = [
  {
    in: ['daemons'],
    path: ['hermes2Count'],
    message:
      "renamed in 2023: the daemon once called hermes2 is now 'hermesCount' (and the old hermes is now 'hermesLegacyCount')",
  },
  {
    in: ['daemons'],
    path: ['hermes2'],
    message:
      "renamed in 2023: the daemon once called hermes2 is now 'hermes' (and the old hermes is now 'hermesLegacy')",
  },
  {
    in: ['daemons'],
    path: ['reaper2Count'],
    message: "renamed in chart 1.31: use 'reaperCount' (rucio-reaper2 is now rucio-reaper)",
  },
  {
    in: ['daemons'],
    path: ['reaper2'],
    message: "renamed in chart 1.31: use 'reaper' (rucio-reaper2 is now rucio-reaper)",
  },
  {
    in: ['daemons', 'servers', 'webui', 'common'],
    path: ['additionalSecrets'],
    message: "dropped in chart 1.31.6: use 'secretMounts' (items {secretName | secretFullName, mountPath, subPath})",
  },
  {
    in: ['daemons', 'servers', 'common'],
    path: ['exportConfigToEnv'],
    message:
      "removed in chart 1.27: config reaches the pods as conf.d JSON; reference secrets with {secretKeyRef: {name, key}} in 'config'",
  },
  {
    in: ['daemons', 'servers', 'webui', 'common'],
    path: ['kubeVersionOverride'],
    message: 'not needed: CronJobs are always written as batch/v1',
  },
  {
    in: ['daemons', 'servers', 'common'],
    path: ['policyPackages'],
    message:
      'not supported yet: build the policy package into the image, or mount it with persistentVolumes and set PYTHONPATH in additionalEnvs',
  },
  {
    in: ['daemons'],
    path: ['monitoring', 'targetPort'],
    message: "never read by the chart: the metrics port is 'monitoring.exporterPort'",
  },
  {
    in: ['daemons'],
    path: ['hermes', 'sleepTime'],
    message: "only hermesLegacy reads it: move it to 'hermesLegacy.sleepTime' or remove it",
  },
  {
    in: ['daemons'],
    path: ['hermes', 'brokerTimeout'],
    message: "only hermesLegacy reads it: move it to 'hermesLegacy.brokerTimeout' or remove it",
  },
  {
    in: ['daemons'],
    path: ['hermes', 'brokerRetry'],
    message: "only hermesLegacy reads it: move it to 'hermesLegacy.brokerRetry' or remove it",
  },
  {
    in: ['daemons'],
    path: ['replicaRecoverer', 'threads'],
    message: 'rucio-replica-recoverer takes no threads option: remove it',
  },
  {
    in: ['daemons'],
    path: ['undertaker', 'workers'],
    message: "undertaker's worker count is 'undertaker.threads' (rendered as --total-workers)",
  },
  {
    in: ['daemons'],
    path: ['darkReaper', 'threads'],
    message: "dark-reaper's worker count is 'darkReaper.workers' (rendered as --total-workers)",
  },
  { in: ['servers'], path: ['authReplicaCount'], message: SPLIT_SERVERS },
  { in: ['servers'], path: ['traceReplicaCount'], message: SPLIT_SERVERS },
  { in: ['servers'], path: ['authService'], message: SPLIT_SERVERS },
  { in: ['servers'], path: ['traceService'], message: SPLIT_SERVERS },
  { in: ['servers'], path: ['authServerResources'], message: SPLIT_SERVERS },
  { in: ['servers'], path: ['traceServerResources'], message: SPLIT_SERVERS },
  {
    in: ['servers'],
    path: ['httpd_config', 'thread_limit'],
    message:
      "misspelt in the chart's own examples: the image reads 'threads_limit' (RUCIO_HTTPD_THREADS_LIMIT); 'thread_limit' was silently ignored",
  },
  { in: ['servers'], path: ['subPaths'], message: "legacy: use 'secretMounts' items with 'subPath'" },
  {
    in: ['servers'],
    path: ['ingress', 'secrets'],
    message:
      "inline certificates and keys are secrets and must not be committed: create the TLS Secret outside git and name it in 'ingress.tls[].secretName'",
  },
  // The WebUI chart before the Next.js rewrite (chart 1.30 to 32) and keys of the other charts.
  {
    in: ['webui'],
    path: ['exposeErrorLogs'],
    message:
      "replaced in chart 33: the WebUI's log sidecars are 'config.logs.exposeHttpdLogs' and 'config.logs.exposeWebuiLogs'",
  },
  { in: ['webui'], path: ['service', 'useSSL'], message: "moved in chart 33 to the release's top level: 'useSSL'" },
  {
    in: ['webui'],
    path: ['config', 'react'],
    message: "replaced in chart 33: the Rucio servers are 'config.webui.rucio_host' and 'config.webui.rucio_auth_host'",
  },
  {
    in: ['webui'],
    path: ['config', 'httpdWebui'],
    message: "replaced in chart 33: the WebUI's host name is 'config.webui.hostname'",
  },
  {
    in: ['webui'],
    path: ['config', 'oidcProviders'],
    message:
      "replaced in chart 33 by 'config.oidc_providers' (a map by provider name: client_id, client_secret as a secretKeyRef, authorization_url, token_url, …) and 'config.webui.oidc_enabled' / 'oidc_providers'",
  },
  {
    in: ['webui'],
    path: ['config', 'webui', 'enable_ssl'],
    message: "set by the release's 'useSSL' (RUCIO_WEBUI_ENABLE_SSL): remove it",
  },
  {
    in: ['webui'],
    path: ['optional_config'],
    message: "the WebUI chart spells it 'optionalConfig' (literal env vars, names upper-cased)",
  },
  {
    in: ['webui'],
    path: ['config', 'httpd', 'thread_limit'],
    message: "misspelt: the image reads 'threads_limit' (RUCIO_HTTPD_THREADS_LIMIT)",
  },
  {
    in: ['webui'],
    path: ['ingress', 'secrets'],
    message:
      "inline certificates and keys are secrets and must not be committed: create the TLS Secret outside git and name it in 'ingress.tls[].secretName'",
  },
];

function matches(pattern: readonly string[], path: readonly string[]): boolean {
  return pattern.length === path.length && pattern.every((p, i) => p === '*' || p === path[i]);
}

/** What replaced a retired key at `path` inside a release of `kind`, if it is one. */
export function retiredKey(kind: ReleaseKind, path: readonly (string | number)[]): string | undefined {
  const segments = path.map(String);
  return RETIRED_KEYS.find((r) => r.in.includes(kind) && matches(r.path, segments))?.message;
}
