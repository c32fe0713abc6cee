/**
 * The kinds of release `import` reads, one row each: the command-line option, the chart a HelmRelease names, where
 * the releases go in the environment, how values of older chart versions become chart 40 keys, which strings become
 * typed values, and which chart defaults are written out because ours differ. Adding a kind (the webui, #16) is one
 * row here; the rest of the import is generic.
 */
import type { z } from 'zod';
import { splitNames } from '../../constructs/shared/shell.js';
import { retiredKey, type ReleaseKind as RetiredKind } from '../../values/retired-keys.js';
import { DAEMONS } from '../../values/rucio-daemon-table.js';
import { rucioDaemonsSchema } from '../../values/rucio-daemons.js';
import { rucioServerSchema } from '../../values/rucio-server.js';
import { rucioWebuiSchema, WEBUI_COMMON_IMAGE_KEYS, WEBUI_COMMON_KEYS } from '../../values/rucio-webui.js';
import { isMap, type Values } from './helm-values.js';

/** What the import tells the operator about one key. */
export interface Note {
  /** The key path inside the release (`reaper2Count`, `httpd_config.thread_limit`). */
  readonly path: string;
  readonly message: string;
}

/** Collects the notes of one release. */
export interface Notes {
  /** A top-level key renamed (so the output names the files of the old key). */
  renamed?(from: string, to: string): void;
  /** Renamed, moved or converted, with what replaced it. */
  carried(path: string, message: string): void;
  /** Not carried over, with why. */
  notImported(path: string, message: string): void;
  /** A chart default written out because the files relied on it. */
  chartDefault(path: string, message: string): void;
}

/** A chart default the import writes when the release's files do not set the key. */
export interface ChartDefault {
  readonly path: readonly string[];
  readonly value: unknown;
  readonly why: string;
}

/** One kind of release. */
export interface ImportKind {
  /** The option naming such releases (`--server RELEASE=FILES`). */
  readonly option: string;
  /** The chart's name, as a HelmRelease's `spec.chart.spec.chart` writes it. */
  readonly chart: string;
  /** Where the releases go in the environment file. */
  readonly envKey: 'servers' | 'daemons' | 'webui';
  /**
   * Which keys of the environment's `common` are merged under such a release (`all`, or the paths that apply), so the
   * import moves a key to `common` only when every release it would reach holds it, equal.
   */
  readonly fromCommon: 'all' | readonly string[];
  /**
   * The Secret key under which a literal secret at this path becomes a `{secretKeyRef}` in place, or undefined when
   * the chart takes no reference there (then the value is moved to an env var or left out).
   */
  readonly secretRef: (path: readonly string[]) => string | undefined;
  /** The map of literal env vars whose secrets become `additionalEnvs` from a Secret (`optional_config`). */
  readonly optionalConfig: string;
  /** The kind in the table of retired keys. */
  readonly retired: RetiredKind;
  /** The strict schema of one release, which finds the keys chart 40 does not read. */
  readonly schema: z.ZodType;
  /** Rewrites keys of older chart versions into chart 40's (renames with a clear meaning). */
  readonly upgrade: (values: Values, notes: Notes) => void;
  /** Turns the strings Helm needed into typed values, and fills partial maps the chart merges with its defaults. */
  readonly typed: (values: Values, notes: Notes) => void;
  /** Chart 40 defaults that differ from ours and change what runs: written when the files leave them out. */
  readonly chartDefaults: readonly ChartDefault[];
  /** Where the release's env var lists are (for secrets found in them). */
  readonly envLists: (values: Values) => string[][];
}

const TRUE = /^(true|yes|on|1)$/i;
const FALSE = /^(false|no|off|0)$/i;

/** A boolean from what Helm values hold ("True", 1, "false"), or undefined when it is none. */
function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string' && TRUE.test(v.trim())) return true;
  if (typeof v === 'string' && FALSE.test(v.trim())) return false;
  return undefined;
}

function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) return Number(v);
  return undefined;
}

function typeBool(obj: Values, key: string, path: string, notes: Notes): void {
  const v = obj[key];
  if (v === undefined || typeof v === 'boolean') return;
  const b = toBool(v);
  if (b !== undefined) {
    obj[key] = b;
    notes.carried(path, `${JSON.stringify(v)} written as ${b}`);
  }
}

function typeInt(obj: Values, key: string, path: string, notes: Notes): void {
  const v = obj[key];
  if (v === undefined || typeof v === 'number') return;
  const n = toInt(v);
  if (n !== undefined) {
    obj[key] = n;
    notes.carried(path, `${JSON.stringify(v)} written as the number ${n}`);
  }
}

/** Fills a partial `resources` the way the chart merges it with its default, and Kubernetes defaults requests. */
function fillResources(obj: Values, key: string, path: string, chart: Values | undefined, notes: Notes): void {
  const r = obj[key];
  if (r === undefined) return;
  if (!isMap(r) || Object.keys(r).length === 0) {
    delete obj[key];
    notes.carried(
      path,
      'empty: the container now gets our default requests and limits (difference resources-everywhere)',
    );
    return;
  }
  const merged: Values = structuredClone(chart ?? {});
  for (const part of ['requests', 'limits'] as const) {
    if (isMap(r[part])) merged[part] = { ...(isMap(merged[part]) ? merged[part] : {}), ...r[part] };
  }
  for (const extra of Object.keys(r).filter((k) => k !== 'requests' && k !== 'limits')) merged[extra] = r[extra];
  // Kubernetes: requests default to the limits; limits we require, so they default to the requests.
  const req = isMap(merged.requests) ? merged.requests : {};
  const lim = isMap(merged.limits) ? merged.limits : {};
  for (const res of ['cpu', 'memory']) {
    if (req[res] === undefined && lim[res] !== undefined) {
      req[res] = lim[res];
      notes.carried(`${path}.requests.${res}`, `unset: equal to the limit, as Kubernetes sets it`);
    }
    if (lim[res] === undefined && req[res] !== undefined) {
      lim[res] = req[res];
      notes.carried(
        `${path}.limits.${res}`,
        'unset: set equal to the request, since every container needs a limit (difference resources-everywhere)',
      );
    }
  }
  merged.requests = req;
  merged.limits = lim;
  obj[key] = merged;
}

function rename(values: Values, from: string, to: string, notes: Notes, why: string): void {
  if (!(from in values)) return;
  if (to in values) {
    notes.notImported(from, `${why}; not carried over because '${to}' is set too`);
  } else {
    values[to] = values[from];
    notes.carried(from, `${why}: written as '${to}'`);
    notes.renamed?.(from, to);
  }
  delete values[from];
}

/** Old charts' `additionalSecrets` (a list, or a map keyed by volume name, with legacy `subPaths`) as `secretMounts`. */
function secretMountsOf(value: unknown, path: string, notes: Notes): Values[] {
  const items: Values[] = Array.isArray(value)
    ? value.filter(isMap)
    : isMap(value)
      ? Object.entries(value)
          .filter(([, v]) => isMap(v))
          .map(([k, v]) => ({ volumeName: k, ...(v as Values) }))
      : [];
  const out: Values[] = [];
  for (const item of items) {
    const { subPaths, ...rest } = item;
    if (Array.isArray(subPaths)) {
      for (const sub of subPaths)
        out.push({ ...rest, mountPath: `${String(rest.mountPath)}${String(sub)}`, subPath: String(sub) });
      notes.carried(`${path}.subPaths`, 'legacy subPaths: one secretMounts item per path');
    } else out.push(rest);
  }
  return out;
}

function upgradeSecretMounts(values: Values, notes: Notes): void {
  if ('additionalSecrets' in values) {
    const mounts = secretMountsOf(values.additionalSecrets, 'additionalSecrets', notes);
    const existing: unknown[] = Array.isArray(values.secretMounts) ? values.secretMounts : [];
    values.secretMounts = [...existing, ...mounts];
    delete values.additionalSecrets;
    notes.carried('additionalSecrets', 'dropped in chart 1.31.6: written as secretMounts (same items)');
  }
  if (Array.isArray(values.secretMounts) && values.secretMounts.some((m) => isMap(m) && 'subPaths' in m))
    values.secretMounts = secretMountsOf(values.secretMounts, 'secretMounts', notes);
}

/** `config.<section>.<option>` of a release (or of one daemon's block): its Secret key is `<section>.<option>`. */
function configOption(path: readonly string[]): string | undefined {
  const at = path.indexOf('config');
  return at >= 0 && at === path.length - 3 && (at === 0 || at === 1) ? path.slice(-2).join('.') : undefined;
}

const SERVER_TYPES = ['server', 'authServer', 'traceServer'];
/** Server keys that were per server type (`useSSL.server`) until chart 1.31. */
const PER_TYPE = [
  'useSSL',
  'exposeErrorLogs',
  'minReadySeconds',
  'readinessProbe',
  'livenessProbe',
  'logFormat',
  'serverType',
];

const server: ImportKind = {
  option: 'server',
  chart: 'rucio-server',
  envKey: 'servers',
  fromCommon: 'all',
  secretRef: configOption,
  optionalConfig: 'optional_config',
  retired: 'servers',
  schema: rucioServerSchema,
  upgrade(values, notes) {
    for (const key of PER_TYPE) {
      const v = values[key];
      if (!isMap(v) || Object.keys(v).length === 0 || !Object.keys(v).every((k) => SERVER_TYPES.includes(k))) continue;
      for (const t of ['authServer', 'traceServer'])
        if (t in v)
          notes.notImported(
            `${key}.${t}`,
            'removed in chart 1.31: a release serves one kind of server; import the auth or trace server as its own --server release',
          );
      if ('server' in v) {
        values[key] = v.server;
        notes.carried(`${key}.server`, `per-server-type values were removed in chart 1.31: written as '${key}'`);
      } else delete values[key];
    }
    if (typeof values.serverType === 'string' && !['api', 'flask'].includes(values.serverType)) {
      notes.notImported(
        'serverType',
        `'${values.serverType}' is not read by the server image any more (what it serves is config.api.endpoints)`,
      );
      delete values.serverType;
    }
    upgradeSecretMounts(values, notes);
    if (isMap(values.httpd_config))
      rename(
        values.httpd_config,
        'thread_limit',
        'threads_limit',
        prefixed(notes, 'httpd_config'),
        "misspelt in the chart's examples, so the image ignored it; it now applies",
      );
    if (isMap(values.ingress) && 'secrets' in values.ingress) {
      const names = Array.isArray(values.ingress.secrets)
        ? values.ingress.secrets.filter(isMap).map((s) => String(s.name))
        : [];
      notes.notImported(
        'ingress.secrets',
        `inline certificates and keys are never written: create the TLS Secret${names.length === 1 ? '' : 's'} ${names.map((n) => `'${n}'`).join(', ')} outside git (kubectl create secret tls) and keep it in ingress.tls[].secretName`,
      );
      delete values.ingress.secrets;
    }
  },
  typed(values, notes) {
    typeInt(values, 'replicaCount', 'replicaCount', notes);
    typeBool(values, 'useSSL', 'useSSL', notes);
    typeBool(values, 'exposeErrorLogs', 'exposeErrorLogs', notes);
    typeBool(values, 'useDeprecatedImplicitSecrets', 'useDeprecatedImplicitSecrets', notes);
    if (isMap(values.monitoring)) typeBool(values.monitoring, 'enabled', 'monitoring.enabled', notes);
    const small = { requests: { cpu: '20m', memory: '20Mi' }, limits: { cpu: '30m', memory: '50Mi' } };
    fillResources(values, 'serverResources', 'serverResources', undefined, notes);
    fillResources(values, 'errorLogsExporterResources', 'errorLogsExporterResources', small, notes);
    fillResources(values, 'metricsExporterResources', 'metricsExporterResources', small, notes);
  },
  chartDefaults: [
    { path: ['replicaCount'], value: 0, why: "chart 40's default: the release renders no server (ours would run 1)" },
    {
      path: ['image', 'tag'],
      value: 'release-36.2.0',
      why: "chart 40's default image: the Rucio release your pods ran",
    },
    {
      path: ['useDeprecatedImplicitSecrets'],
      value: true,
      why: "chart 40's default (ours is false): keeps the <release>-server-hostcert/-hostkey/-cafile and x509up mounts; move them to secretMounts and drop this when you can",
    },
  ],
  envLists: (values) => [['additionalEnvs'], ...(isMap(values.ftsRenewal) ? [['ftsRenewal', 'additionalEnvs']] : [])],
};

function prefixed(notes: Notes, prefix: string): Notes {
  return {
    carried: (p, m) => notes.carried(`${prefix}.${p}`, m),
    notImported: (p, m) => notes.notImported(`${prefix}.${p}`, m),
    chartDefault: (p, m) => notes.chartDefault(`${prefix}.${p}`, m),
  };
}

const daemons: ImportKind = {
  option: 'daemons',
  chart: 'rucio-daemons',
  envKey: 'daemons',
  fromCommon: 'all',
  secretRef: configOption,
  optionalConfig: 'optional_config',
  retired: 'daemons',
  schema: rucioDaemonsSchema,
  upgrade(values, notes) {
    // hermes → hermesLegacy and hermes2 → hermes happened in the same week of 2023: files with hermes2 are older.
    if ('hermes2Count' in values || 'hermes2' in values) {
      rename(
        values,
        'hermesCount',
        'hermesLegacyCount',
        notes,
        'the old hermes is hermes-legacy since 2023 (these files still use hermes2)',
      );
      rename(
        values,
        'hermes',
        'hermesLegacy',
        notes,
        'the old hermes is hermes-legacy since 2023 (these files still use hermes2)',
      );
      rename(values, 'hermes2Count', 'hermesCount', notes, 'renamed in 2023');
      rename(values, 'hermes2', 'hermes', notes, 'renamed in 2023');
    }
    rename(values, 'reaper2Count', 'reaperCount', notes, 'renamed in chart 1.31 (rucio-reaper2 is rucio-reaper)');
    rename(values, 'reaper2', 'reaper', notes, 'renamed in chart 1.31 (rucio-reaper2 is rucio-reaper)');
    upgradeSecretMounts(values, notes);
  },
  typed(values, notes) {
    typeBool(values, 'useDeprecatedImplicitSecrets', 'useDeprecatedImplicitSecrets', notes);
    if (isMap(values.monitoring)) typeBool(values.monitoring, 'enabled', 'monitoring.enabled', notes);
    const empties: string[] = [];
    for (const spec of DAEMONS) {
      typeInt(values, `${spec.valueKey}Count`, `${spec.valueKey}Count`, notes);
      const block = values[spec.valueKey];
      if (!isMap(block)) continue;
      for (const s of spec.settings) {
        const v = block[s.key];
        const path = `${spec.valueKey}.${s.key}`;
        if (v === undefined) continue;
        if (v === '' || v === null) {
          delete block[s.key];
          empties.push(path);
          continue;
        }
        if (s.kind === 'int') typeInt(block, s.key, path, notes);
        else if (s.kind === 'flag') typeBool(block, s.key, path, notes);
        else if (s.kind === 'names' && typeof v === 'string') {
          block[s.key] = splitNames(v);
          notes.carried(path, `the shell-quoted string ${JSON.stringify(v)} written as a list`);
        } else if ((s.kind === 'string' || s.kind === 'expression') && typeof v === 'number') block[s.key] = String(v);
      }
      if (spec.ssl) typeBool(block, 'useSSL', `${spec.valueKey}.useSSL`, notes);
      fillResources(
        block,
        'resources',
        `${spec.valueKey}.resources`,
        structuredClone(spec.resources) as unknown as Values,
        notes,
      );
    }
    if (empties.length > 0)
      notes.carried(empties.join(', '), "empty: the chart's way of leaving the flag out, so the key is left out");
    // Chart defaults we do better than (the placeholder activities): said, not carried over.
    for (const spec of DAEMONS) {
      if (!((values[`${spec.valueKey}Count`] as number) > 0)) continue;
      const block = isMap(values[spec.valueKey]) ? (values[spec.valueKey] as Values) : {};
      for (const s of spec.settings) {
        // An empty value in the files already left the flag out: nothing of the chart's default is lost.
        if (s.unlikeChart === undefined || block[s.key] !== undefined || empties.includes(`${spec.valueKey}.${s.key}`))
          continue;
        notes.notImported(
          `${spec.valueKey}.${s.key}`,
          `chart 40's default ${JSON.stringify(s.chartDefault)} is not carried over: ${s.unlikeChart}`,
        );
      }
    }
  },
  chartDefaults: [
    {
      path: ['image', 'tag'],
      value: 'release-34.2.0',
      why: "chart 40's default daemons image: the Rucio release your pods ran",
    },
    {
      path: ['useDeprecatedImplicitSecrets'],
      value: true,
      why: "chart 40's default (ours is false): keeps the <release>-rucio-x509up, -rucio-ca-bundle(-reaper) mounts; move them to secretMounts and drop this when you can",
    },
    {
      path: ['config', 'conveyor', 'cacert'],
      value: '/opt/certs/CERN-bundle.pem',
      why: "chart 40's default config (difference conveyor-cert-paths)",
    },
    {
      path: ['config', 'conveyor', 'usercert'],
      value: '/opt/proxy/x509up',
      why: "chart 40's default config (difference conveyor-cert-paths)",
    },
  ],
  envLists: (values) => [
    ['additionalEnvs'],
    ...(isMap(values.ftsRenewal) ? [['ftsRenewal', 'additionalEnvs']] : []),
    ...DAEMONS.filter((d) => isMap(values[d.valueKey])).map((d) => [d.valueKey, 'additionalEnvs']),
  ],
};

/** `config.webui.<key>`, `config.oidc_providers.<p>.<key>` and `config.vo.<vo>.<key>` take a `{secretKeyRef}`. */
function webuiSetting(path: readonly string[]): string | undefined {
  if (path[0] !== 'config') return undefined;
  if (path[1] === 'webui' && path.length === 3) return path.slice(1).join('.');
  if ((path[1] === 'oidc_providers' || path[1] === 'vo') && path.length === 4) return path.slice(1).join('.');
  return undefined;
}

/** Removes the empty strings of a map of settings (the chart's placeholders), and the map when nothing is left. */
function dropEmptySettings(parent: Values, key: string, path: string, notes: Notes): void {
  const map = parent[key];
  if (!isMap(map)) return;
  const empty = Object.keys(map).filter((k) => map[k] === '' || map[k] === null);
  for (const k of empty) delete map[k];
  if (empty.length > 0)
    notes.carried(
      `${path}.{${empty.join(',')}}`,
      "empty: the chart's placeholder, which sets the env var to nothing; left out",
    );
  if (Object.keys(map).length === 0) delete parent[key];
}

const webui: ImportKind = {
  option: 'webui',
  chart: 'rucio-webui',
  envKey: 'webui',
  fromCommon: [...WEBUI_COMMON_KEYS, ...WEBUI_COMMON_IMAGE_KEYS.map((k) => `image.${k}`)],
  secretRef: webuiSetting,
  optionalConfig: 'optionalConfig',
  retired: 'webui',
  schema: rucioWebuiSchema,
  upgrade(values, notes) {
    // The WebUI chart before the Next.js rewrite (chart 32 and older), where the meaning is the same.
    rename(values, 'optional_config', 'optionalConfig', notes, "the WebUI chart spells it 'optionalConfig'");
    if (isMap(values.service) && 'useSSL' in values.service) {
      const v = values.service.useSSL;
      delete values.service.useSSL;
      if (values.useSSL === undefined) {
        values.useSSL = v;
        notes.carried('service.useSSL', "moved in chart 33 to the release's top level: written as 'useSSL'");
      } else if (toBool(v) === toBool(values.useSSL))
        notes.carried('service.useSSL', "moved in chart 33 to 'useSSL', which is set to the same; left out");
      else notes.notImported('service.useSSL', `moved in chart 33 to 'useSSL', which is set too, to another value`);
      if (Object.keys(values.service).length === 0) delete values.service;
    }
    if (isMap(values.config) && isMap(values.config.httpd))
      rename(
        values.config.httpd,
        'thread_limit',
        'threads_limit',
        prefixed(notes, 'config.httpd'),
        'misspelt, so the image ignored it (it reads RUCIO_HTTPD_THREADS_LIMIT); it now applies',
      );
  },
  typed(values, notes) {
    typeInt(values, 'replicaCount', 'replicaCount', notes);
    typeInt(values, 'minReadySeconds', 'minReadySeconds', notes);
    typeBool(values, 'useSSL', 'useSSL', notes);
    typeBool(values, 'useDeprecatedImplicitSecrets', 'useDeprecatedImplicitSecrets', notes);
    if (isMap(values.service)) {
      typeInt(values.service, 'port', 'service.port', notes);
      typeInt(values.service, 'targetPort', 'service.targetPort', notes);
      typeBool(values.service, 'useExternalDNS', 'service.useExternalDNS', notes);
    }
    if (isMap(values.ingress)) typeBool(values.ingress, 'enabled', 'ingress.enabled', notes);
    const config = isMap(values.config) ? values.config : undefined;
    if (config && isMap(config.logs)) {
      typeBool(config.logs, 'exposeHttpdLogs', 'config.logs.exposeHttpdLogs', notes);
      typeBool(config.logs, 'exposeWebuiLogs', 'config.logs.exposeWebuiLogs', notes);
    }
    if (config && isMap(config.oidc_providers)) {
      const providers = config.oidc_providers;
      for (const p of Object.keys(providers)) dropEmptySettings(providers, p, `config.oidc_providers.${p}`, notes);
      if (Object.keys(providers).length === 0) delete config.oidc_providers;
    }
    fillResources(values, 'resources', 'resources', undefined, notes);
  },
  chartDefaults: [
    {
      path: ['image', 'tag'],
      value: 'release-33.0.0',
      why: "chart 40's default WebUI image: the release your pods ran (ours pins a newer one, difference webui-image-pinned)",
    },
  ],
  envLists: () => [['additionalEnvs']],
};

/** The kinds, by option name. */
export const IMPORT_KINDS: readonly ImportKind[] = [server, daemons, webui];

/** The message for a key chart 40 does not read: the retired-key table's, else a generic one. */
export function notReadMessage(kind: ImportKind, path: readonly string[]): string {
  return (
    retiredKey(kind.retired, path) ??
    (path.length === 2 && DAEMONS.some((d) => d.valueKey === path[0])
      ? `rucio-${DAEMONS.find((d) => d.valueKey === path[0])!.binary} does not read '${path[1]}' (chart 40 ignores it)`
      : 'chart 40 does not read this key (it was ignored)')
  );
}
