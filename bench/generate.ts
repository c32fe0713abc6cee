/**
 * Environment folders for the benchmark: a generated large instance, and the bundled environments copied N times.
 * Both are written as ordinary environment files, so the benchmark goes through the same loading, schema and
 * rendering as a real synth.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { DAEMONS } from '../values/rucio-daemon-table.js';

/** The shape of a generated large instance. */
export interface LargeInstanceSize {
  readonly environments: number;
  /** rucio-daemons releases per environment, each running all the daemons of the table. */
  readonly daemonsReleases: number;
  /** rucio-server releases per environment. */
  readonly serverReleases: number;
}

/** The large instance: 20 environments of 3 daemons releases (all 28 daemons) and 3 server releases. */
const LARGE_INSTANCE: LargeInstanceSize = { environments: 20, daemonsReleases: 3, serverReleases: 3 };

/** Objects of a daemons release running every daemon: its common ConfigMap, and a ConfigMap and Deployment per daemon. */
export const OBJECTS_PER_DAEMONS_RELEASE = 1 + 2 * DAEMONS.length;

/** Objects of a generated server release: its common ConfigMap, Deployment and Service. */
export const OBJECTS_PER_SERVER_RELEASE = 3;

/**
 * Objects the Rucio releases of a large instance produce (under `apps/`). Components around the releases (HAProxy,
 * Flux, monitoring, …) add their own objects elsewhere; the benchmark counts what synth actually writes.
 */
export function expectedReleaseObjects(size: LargeInstanceSize): number {
  return (
    size.environments *
    (size.daemonsReleases * OBJECTS_PER_DAEMONS_RELEASE + size.serverReleases * OBJECTS_PER_SERVER_RELEASE)
  );
}

/** Deployments of a large instance: one per daemon per daemons release, one per server release. */
export function expectedDeployments(size: LargeInstanceSize): number {
  return size.environments * (size.daemonsReleases * DAEMONS.length + size.serverReleases);
}

const SHARED_LAYER = {
  namespace: 'rucio',
  common: {
    image: { tag: 'release-36.2.0' },
    config: {
      common: { logdir: '/var/log/rucio', logjson: true },
      database: {
        default: { secretKeyRef: { name: 'rucio-db', key: 'url' } },
        pool_size: 10,
        max_overflow: 20,
        pool_recycle: 600,
      },
      policy: { permission: 'atlas', schema: 'atlas', lfn2pfn_algorithm_default: 'hash' },
      conveyor: {
        scheme: 'srm,root,davs,gsiftp,http,https,mock',
        transfertool: 'fts3',
        ftshosts: 'https://fts3.example.org:8446',
      },
      'messaging-hermes': {
        brokers: 'msg.example.org',
        port: 61123,
        username: 'rucio',
        password: { secretKeyRef: { name: 'rucio-broker', key: 'password' } },
      },
    },
    secretMounts: [
      { secretFullName: 'rucio-x509up', mountPath: '/opt/proxy' },
      { secretFullName: 'rucio-ca-bundle', mountPath: '/etc/grid-security/certificates' },
    ],
  },
  // The components around the releases, as in the bundled environments (daemons get their metrics by default).
  pushgateway: {},
  monitoring: { scrape: { mode: 'operator', labels: { release: 'kube-prometheus-stack' } } },
  flux: {
    gitRepository: {
      url: 'ssh://git@gitlab.example.org/rucio/deploy.git',
      branch: 'main',
      secretRef: 'rucio-deploy-key',
    },
  },
};

const letter = (i: number) => String.fromCharCode(97 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : '');

/** A daemons release running every daemon of the table, with per-daemon settings and resources that vary. */
function daemonsRelease(env: number, r: number): Record<string, unknown> {
  const values: Record<string, unknown> = { fullnameOverride: `d${env}${letter(r)}` };
  DAEMONS.forEach((spec, i) => {
    const block: Record<string, unknown> = {};
    for (const s of spec.settings) if (s.kind === 'int') block[s.key] = 1 + ((env + r + i) % 10);
    block.resources = {
      requests: { cpu: `${100 + 10 * i}m`, memory: `${200 + r}Mi` },
      limits: { cpu: `${500 + 10 * i}m`, memory: '1Gi' },
    };
    if (i % 4 === 0) block.config = { common: { loglevel: 'DEBUG' } };
    values[`${spec.valueKey}Count`] = 1 + ((env + i) % 2);
    values[spec.valueKey] = block;
  });
  return values;
}

/** A server release like the seed's `serverint`. */
function serverRelease(env: number, r: number): Record<string, unknown> {
  return {
    replicaCount: 2 + (r % 2),
    useSSL: true,
    tlsSecretName: `server${letter(r)}-hostcert`,
    // httpd serves HTTPS on 443 only (useSSL): the Service targets it, as the seed's serverint does.
    service: { port: 443, targetPort: 'https', name: 'https' },
    hostname: `rucio-${env}-${letter(r)}.example.org`,
    httpd_config: {
      encoded_slashes: true,
      grid_site_enabled: true,
      mpm_mode: 'event',
      threads_limit: 128,
      max_request_workers: 512,
    },
    wsgi: { daemonProcesses: 4, daemonThreads: 8 },
    serverResources: { requests: { cpu: '750m', memory: '1Gi' }, limits: { cpu: '2', memory: '3Gi' } },
    config: { api: { endpoints: 'accounts,auth,dids,ping,replicas,rses,rules,scopes' } },
  };
}

/** The environment names of a large instance, in order. */
function largeInstanceNames(size: LargeInstanceSize): string[] {
  return Array.from({ length: size.environments }, (_, e) => `env${String(e + 1).padStart(3, '0')}`);
}

/** Writes a large instance into `dir` (created): a shared layer and one file per environment. Returns the names. */
export function writeLargeInstance(dir: string, size: LargeInstanceSize = LARGE_INSTANCE): string[] {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '_shared.yaml'), stringify(SHARED_LAYER));
  const names = largeInstanceNames(size);
  names.forEach((name, e) => {
    const servers: Record<string, unknown> = {};
    const daemons: Record<string, unknown> = {};
    for (let r = 0; r < size.serverReleases; r++) servers[`server${letter(r)}`] = serverRelease(e, r);
    for (let r = 0; r < size.daemonsReleases; r++) daemons[`daemons${letter(r)}`] = daemonsRelease(e, r);
    const env = {
      name,
      extends: '_shared',
      common: { config: { common: { loglevel: e % 2 ? 'INFO' : 'DEBUG' } } },
      servers,
      daemons,
    };
    writeFileSync(join(dir, `${name}.yaml`), stringify(env));
  });
  return names;
}

/**
 * Writes ONE environment `one` with `releases` daemons releases (each running all the daemons of the table) and a
 * server release per 10 daemons releases (at least one), on the large instance's shared layer: how cost grows
 * inside an environment (the alerts, dashboards, scrape objects and Flux objects that cover all its releases).
 */
export function writeOneEnvironment(dir: string, releases: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '_shared.yaml'), stringify(SHARED_LAYER));
  const servers: Record<string, unknown> = {};
  const daemons: Record<string, unknown> = {};
  for (let r = 0; r < Math.max(1, Math.floor(releases / 10)); r++) servers[`server${letter(r)}`] = serverRelease(0, r);
  for (let r = 0; r < releases; r++) daemons[`daemons${letter(r)}`] = daemonsRelease(0, r);
  const env = { name: 'one', extends: '_shared', servers, daemons };
  writeFileSync(join(dir, 'one.yaml'), stringify(env));
}

/**
 * Copies the environments of `source` into `dir` `factor` times: shared layers (`_*.yaml`) once, every environment
 * as `<name>-x<NNN>` (its `name:` rewritten, comments kept). Returns the environment names.
 */
export function writeScaledEnvironments(source: string, dir: string, factor: number): string[] {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (const file of readdirSync(source)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const text = readFileSync(join(source, file), 'utf8');
    if (file.startsWith('_')) {
      writeFileSync(join(dir, file), text);
      continue;
    }
    const base = file.slice(0, -'.yaml'.length);
    for (let k = 1; k <= factor; k++) {
      const name = factor === 1 ? base : `${base}-x${String(k).padStart(3, '0')}`;
      const doc = parseDocument(text);
      doc.set('name', name);
      writeFileSync(join(dir, `${name}.yaml`), doc.toString());
      names.push(name);
    }
  }
  return names;
}
