/**
 * `rucio-gitops import`: layered values files and HelmReleases (test/fixtures/import/) in, an environment file out
 * that synthesizes, with no secret value in it, the Secrets to create listed, every key not carried over named, and a
 * synthesized output equal to what chart 40 renders from the same files except the documented differences.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helmMerge } from '../../src/import/helm-values.js';
import { difference } from '../../src/upstream/differences.js';
import { cleanup, cli, REPO, tempDir, type Obj } from '../helpers.js';

afterAll(cleanup);

const FIX = join(REPO, 'test', 'fixtures', 'import');
const cms = (f: string) => join(FIX, 'cms-like', f);
const SERVER_FILES = ['common.yaml', 'server.yaml', 'prod-server.yaml', 'release.yaml'].map(cms).join(',');
const DAEMON_FILES = ['common.yaml', 'daemons.yaml', 'prod-daemons.yaml', 'release.yaml'].map(cms).join(',');
/** The literal secrets the fixtures hold: none may appear in any output. */
const SECRETS = [
  'N0tARealPassw0rd',
  'tr4ce-s3cret-value',
  'eyJhbGciOiJIUzI1NiJ9',
  'h3rmes-br0ker-pw',
  'an-old-password',
  'MIIEnotarealkey',
  'MIIBnotarealcertificate',
];

function noSecretIn(...texts: string[]): void {
  for (const t of texts) for (const s of SECRETS) expect(t, `secret ${s} leaked`).not.toContain(s);
}

/** The argument groups a daemon's parser sees: `--flag value…`, `--flag=value` split, in any order. */
function argGroups(args: string): string[] {
  const words: string[] = [];
  for (const m of args.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]!);
  const flat = words.flatMap((w) =>
    w.startsWith('--') && w.includes('=') ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] : [w],
  );
  const groups: string[][] = [];
  for (const w of flat) {
    if (w.startsWith('--')) groups.push([w]);
    else groups[groups.length - 1]!.push(w.replace(/^"(.*)"$/, '$1'));
  }
  return groups.map((g) => g.join(' ')).sort();
}

describe('Helm values layering', () => {
  it('merges maps, replaces lists and scalars, removes keys set to null, and remembers the files', () => {
    const m = helmMerge([
      {
        file: 'a.yaml',
        values: { config: { common: { loglevel: 'DEBUG', logdir: '/x' } }, secretMounts: [1, 2], x: 1 },
      },
      { file: 'b.yaml', values: { config: { common: { loglevel: 'INFO', logdir: null } }, secretMounts: [3] } },
    ]);
    expect(m.values).toEqual({ config: { common: { loglevel: 'INFO' } }, secretMounts: [3], x: 1 });
    expect(m.origin.get('config')).toEqual(['a.yaml', 'b.yaml']);
    expect(m.origin.get('x')).toEqual(['a.yaml']);
  });
});

describe('import of layered chart 40 values files (server + daemons)', () => {
  let dir: string;
  let out: string;
  let env: Obj;
  let text: string;
  let result: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    dir = tempDir();
    out = join(dir, 'environments', 'cmsprod.yaml');
    result = await cli(
      'import',
      '--name',
      'cmsprod',
      '--namespace',
      'rucio',
      '--server',
      `server=${SERVER_FILES}`,
      '--daemons',
      `daemons=${DAEMON_FILES}`,
      '--out',
      out,
    );
    text = readFileSync(out, 'utf8');
    env = parse(text);
  });

  it('writes an environment file that synthesizes', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${out} synthesizes: valid: cmsprod`);
  });

  it('writes no secret value, and prints the Secrets to create without values', () => {
    noSecretIn(text, result.stdout, result.stderr);
    expect(result.stdout).toContain('Secret cmsprod-rucio-secrets in namespace rucio:');
    for (const key of ['database.default', 'trace.password', 'RUCIO_TRACE_TOKEN', 'messaging-hermes.password'])
      expect(result.stdout).toMatch(new RegExp(`key ${key.replace('.', '\\.')}: the value of `));
    expect(result.stdout).toContain(
      'kubectl -n rucio create secret generic cmsprod-rucio-secrets --from-literal=database.default=…',
    );
    expect(env.common.config.database.default).toEqual({
      secretKeyRef: { name: 'cmsprod-rucio-secrets', key: 'database.default' },
    });
    expect(env.servers.server.additionalEnvs).toEqual([
      {
        name: 'RUCIO_TRACE_TOKEN',
        valueFrom: { secretKeyRef: { name: 'cmsprod-rucio-secrets', key: 'RUCIO_TRACE_TOKEN' } },
      },
    ]);
  });

  it('names every key it did not carry over, with why', () => {
    for (const [path, why] of [
      ['servers.server.authReplicaCount', 'removed in chart 1.31'],
      ['daemons.daemons.hermes.sleepTime', 'only hermesLegacy reads it'],
      ['daemons.daemons.hermes.brokerTimeout', 'only hermesLegacy reads it'],
      ['daemons.daemons.replicaRecoverer.threads', 'takes no threads option'],
      ['daemons.daemons.monitoring.targetPort', 'never read by the chart'],
    ])
      expect(result.stdout).toMatch(new RegExp(`^  ${path.replace(/\./g, '\\.')}: .*${why}`, 'm'));
    expect(text).not.toMatch(/authReplicaCount|targetPort: 8080|brokerTimeout/);
    expect(env.daemons.daemons.monitoring).toBeUndefined();
  });

  it('turns the strings Helm needed into typed values', () => {
    const d = env.daemons.daemons;
    expect(d.conveyorTransferSubmitter.threads).toBe(5);
    expect(d.conveyorTransferSubmitter.activities).toEqual(['User Subscriptions', 'Data Consolidation', 'Express']);
    expect(d.conveyorTransferSubmitter.archiveTimeout).toBeUndefined();
    expect(d.judgeEvaluator.didLimit).toBe(1000);
    expect(d.replicaRecoverer.activeMode).toBe(true);
    expect(env.servers.server.exposeErrorLogs).toBe(true);
    expect(env.servers.server.httpd_config.threads_limit).toBe('128');
  });

  it("puts what all releases share in common, and names each block's source files", () => {
    expect(env.common.image).toEqual({ tag: 'release-36.2.0' });
    expect(env.common.optional_config).toEqual({ rucio_ca_path: '/etc/grid-security/certificates' });
    expect(env.servers.server.config.database).toEqual({ pool_size: '10' });
    expect(env.daemons.daemons.config.database).toEqual({ pool_size: '5' });
    expect(text).toMatch(
      /# rucio-server values from .*common\.yaml, .*server\.yaml, .*prod-server\.yaml, .*release\.yaml \(later files win\)\n {2}server:/,
    );
    expect(text).toMatch(/# from .*prod-server\.yaml\n {4}additionalEnvs:/);
    expect(text).toMatch(/# Equal in every release below, so written once\.\ncommon:/);
  });

  it('matches what chart 40 renders from the same files, except the documented differences', async () => {
    const expected = parse(readFileSync(cms('expected-chart40.yaml'), 'utf8'));
    const dist = join(dir, 'dist');
    const r = await cli('synth', '--environments', join(dir, 'environments'), '--out', dist);
    expect(r.code).toBe(0);
    const read = (p: string) => parse(readFileSync(join(dist, 'apps', 'cmsprod', p), 'utf8'));
    const envMap = (c: Obj) =>
      Object.fromEntries(
        c.env.map((e: Obj) => [
          e.name,
          e.value ?? (e.valueFrom?.secretKeyRef ? 'SECRET' : JSON.stringify(e.valueFrom)),
        ]),
      );
    /** The effective rucio.cfg of a pod: the conf.d files, then the RUCIO_CFG_* env vars (a Secret's as SECRET). */
    const rucioCfg = (d: Obj, files: string[]) => {
      const cfg: Record<string, Record<string, unknown>> = {};
      for (const f of files)
        for (const [s, opts] of Object.entries(JSON.parse(f) as Record<string, Record<string, unknown>>))
          cfg[s] = { ...cfg[s], ...opts };
      for (const e of d.spec.template.spec.containers.at(-1).env) {
        const m = /^RUCIO_CFG_(MESSAGING_HERMES|TRACER_KRONOS|[A-Z0-9]+)_(.+)$/.exec(e.name);
        if (!m) continue;
        const section = m[1] === 'MESSAGING_HERMES' ? 'messaging-hermes' : m[1]!.toLowerCase();
        cfg[section] = { ...cfg[section], [m[2]!.toLowerCase()]: e.valueFrom ? 'SECRET' : e.value };
      }
      // [monitor] enable_metrics and metrics_port: metrics on by default (documented: metrics-on)
      difference('metrics-on');
      if (cfg.monitor) {
        delete cfg.monitor.enable_metrics;
        delete cfg.monitor.metrics_port;
      }
      // the underscored alias the chart writes is the same section (messaging_hermes → messaging-hermes)
      if (cfg.messaging_hermes) {
        cfg['messaging-hermes'] = { ...cfg.messaging_hermes, ...cfg['messaging-hermes'] };
        delete cfg.messaging_hermes;
      }
      return JSON.parse(
        JSON.stringify(cfg, (_k, v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v)),
      );
    };

    // the server
    const s = expected.server;
    const dep = read(`server/Deployment.${s.deployment}.k8s.yaml`);
    expect(dep.spec.replicas).toBe(s.replicas);
    const names = dep.spec.template.spec.containers.map((c: Obj) => c.name);
    expect(names.filter((n: string) => n !== 'apache-exporter')).toEqual(s.containers); // apache-exporter: metrics-on
    const main = dep.spec.template.spec.containers.at(-1);
    expect(main.resources).toEqual(s.resources);
    const e = envMap(main);
    for (const [k, v] of Object.entries(s.env)) expect(e[k], k).toBe(v);
    for (const [k, id] of Object.entries(s.envExcept)) {
      expect(e[k], k).toBeUndefined();
      expect(difference(id as string).what).toContain('thread_limit');
      expect(e.RUCIO_HTTPD_THREADS_LIMIT).toBe('128');
    }
    const mounts = (d: Obj) => {
      const vols = Object.fromEntries(d.spec.template.spec.volumes.map((v: Obj) => [v.name, v.secret?.secretName]));
      return Object.fromEntries(
        d.spec.template.spec.containers
          .at(-1)
          .volumeMounts.filter((m: Obj) => vols[m.name])
          .map((m: Obj) => [m.mountPath, vols[m.name]]),
      );
    };
    expect(mounts(dep)).toEqual(s.secretMounts);
    const svc = read(`server/Service.${s.deployment}.k8s.yaml`);
    expect([svc.spec.type, svc.spec.ports[0].port]).toEqual([s.service.type, s.service.port]);
    const ports = Object.fromEntries(main.ports.map((p: Obj) => [p.name, p.containerPort]));
    expect(ports[svc.spec.ports[0].targetPort] ?? svc.spec.ports[0].targetPort).toBe(s.service.targetPort);
    const common = read(`server/ConfigMap.${s.deployment}.config.common.k8s.yaml`).data['common.json'];
    expect(rucioCfg(dep, [common])).toEqual(s.config);

    // the daemons
    const x = expected.daemons;
    const deployments = readdirSync(join(dist, 'apps', 'cmsprod', 'daemons')).filter((f) =>
      f.startsWith('Deployment.'),
    );
    expect(deployments.sort()).toEqual(
      x.deployments.map((d: Obj) => `Deployment.${x.fullname}-${d.name}.k8s.yaml`).sort(),
    );
    const daemonsCommon = read(`daemons/ConfigMap.${x.fullname}.config.common.k8s.yaml`).data['common.json'];
    for (const want of x.deployments) {
      const d = read(`daemons/Deployment.${x.fullname}-${want.name}.k8s.yaml`);
      const c = d.spec.template.spec.containers[0];
      expect(d.spec.replicas, want.name).toBe(want.replicas);
      expect(argGroups(envMap(c).RUCIO_DAEMON_ARGS), want.name).toEqual(argGroups(want.args));
      expect(c.resources, want.name).toEqual(want.resources);
      for (const [k, v] of Object.entries(x.env)) expect(envMap(c)[k], `${want.name} ${k}`).toBe(v);
      expect(mounts(d), want.name).toEqual(x.secretMounts);
      const component = read(`daemons/ConfigMap.${x.fullname}.config.${want.name}.k8s.yaml`).data['component.json'];
      expect(rucioCfg(d, [daemonsCommon, component]), want.name).toEqual(
        JSON.parse(
          JSON.stringify({
            ...x.config,
            ...Object.fromEntries(
              Object.entries(want.config ?? {}).map(([k, v]) => [k, { ...x.config[k], ...(v as object) }]),
            ),
          }),
        ),
      );
      const extra = Object.keys(d.spec.template.metadata.labels).filter(
        (l) => !['app', 'app-group', 'release', 'rucio-daemon'].includes(l),
      );
      expect(extra, want.name).toEqual(Object.keys(want.podLabelsExcept ?? {}));
      for (const id of Object.values(want.podLabelsExcept ?? {})) difference(id as string);
    }
  });
});

describe('import of older charts: renamed keys carried over, the rest named', () => {
  let result: { code: number; stdout: string; stderr: string };
  let env: Obj;
  let text: string;
  beforeAll(async () => {
    const dir = tempDir();
    const out = join(dir, 'environments', 'legacy.yaml');
    result = await cli(
      'import',
      '--name',
      'legacy',
      '--server',
      `server=${join(FIX, 'old-chart', 'server-1.30.yaml')}`,
      '--daemons',
      `daemons=${join(FIX, 'old-chart', 'daemons-1.29.yaml')}`,
      '--out',
      out,
    );
    text = readFileSync(out, 'utf8');
    env = parse(text);
  });

  it('renames reaper2, hermes2 (and the old hermes to hermesLegacy), additionalSecrets and per-server-type maps', () => {
    const d = env.daemons.daemons;
    expect([d.reaperCount, d.reaper.threads, d.reaper.greedy]).toEqual([2, 8, false]);
    expect([d.hermesCount, d.hermes.bulk, d.hermesLegacyCount, d.hermesLegacy.brokerTimeout]).toEqual([1, 1000, 1, 3]);
    expect(d.secretMounts).toEqual([
      {
        volumeName: 'gcssecret',
        secretName: 'gcssecret',
        mountPath: '/opt/rucio/etc/gcs_rucio.json',
        subPath: 'gcs_rucio.json',
      },
    ]);
    const s = env.servers.server;
    expect([s.useSSL, s.exposeErrorLogs, s.livenessProbe.initialDelaySeconds]).toEqual([true, false, 30]);
    expect(s.secretMounts).toEqual([
      { secretName: 'patches', mountPath: '/patch/0001-fix.patch', subPath: '0001-fix.patch' },
      { secretName: 'patches', mountPath: '/patch/0002-fix.patch', subPath: '0002-fix.patch' },
    ]);
    expect(s.httpd_config).toEqual({ threads_limit: '256', grid_site_enabled: 'True' });
    for (const path of [
      'daemons.daemons.reaper2Count',
      'daemons.daemons.hermes2',
      'daemons.daemons.additionalSecrets',
      'servers.server.useSSL.server',
    ])
      expect(result.stdout).toMatch(new RegExp(`^  ${path.replace(/\./g, '\\.')}: `, 'm'));
  });

  it('names what it leaves out: the auth and trace parts, inline TLS secrets, keys no daemon reads', () => {
    for (const path of [
      'servers.server.authReplicaCount',
      'servers.server.traceReplicaCount',
      'servers.server.useSSL.authServer',
      'servers.server.exposeErrorLogs.authServer',
      'servers.server.ingress.secrets',
      'daemons.daemons.exportConfigToEnv',
      'daemons.daemons.undertaker.workers',
    ])
      expect(result.stdout).toMatch(new RegExp(`not imported[^]*^  ${path.replace(/\./g, '\\.')}: `, 'm'));
    expect(result.stdout).toContain("create the TLS Secret 'rucio-server.tls-secret' outside git");
    noSecretIn(text, result.stdout, result.stderr);
  });

  it('keeps the chart defaults the files relied on, and says where ours differ', () => {
    expect(env.daemons.daemons.useDeprecatedImplicitSecrets ?? env.common?.useDeprecatedImplicitSecrets).toBe(true);
    expect(result.stdout).toMatch(/chart defaults written out[^]*useDeprecatedImplicitSecrets: chart 40's default/);
  });

  it('synthesizes, or says exactly what is left to do', () => {
    if (result.code === 0) expect(result.stdout).toContain('synthesizes: valid: legacy');
    else {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/does not synthesize yet; left to do/);
    }
  });
});

describe('import of Flux HelmReleases', () => {
  let result: { code: number; stdout: string; stderr: string };
  let env: Obj;
  beforeAll(async () => {
    const dir = tempDir();
    const out = join(dir, 'environments', 'flux.yaml');
    result = await cli(
      'import',
      '--name',
      'flux',
      '--helmrelease',
      join(FIX, 'helmreleases', 'rucio.yaml'),
      '--out',
      out,
    );
    env = parse(readFileSync(out, 'utf8'));
  });

  it('reads each HelmRelease by its chart, release name and namespace, skipping other kinds', () => {
    expect(Object.keys(env.servers)).toEqual(['authserver']);
    expect(Object.keys(env.daemons)).toEqual(['daemons']);
    expect(env.namespace).toBe('rucio');
    expect(env.servers.authserver.useSSL).toBe(true);
    expect(env.daemons.daemons.judgeCleaner.threads).toBe(2);
  });

  it('turns a Secret valuesFrom at config.<section>.<option> into a secretKeyRef, and names the other valuesFrom', () => {
    const cfg = { ...env.common?.config, ...env.daemons.daemons.config };
    expect(env.daemons.daemons.config.database.default).toEqual({
      secretKeyRef: { name: 'rucio-db', key: 'db_string' },
    });
    expect(env.daemons.daemons.config['messaging-hermes'].password).toEqual({
      secretKeyRef: { name: 'rucio-broker', key: 'password' },
    });
    expect(cfg).toBeDefined();
    expect(result.stdout).toMatch(
      /daemons\.daemons: valuesFrom ConfigMap\/rucio-common-values not imported .*pass the values it holds as a file with --daemons daemons=FILE/,
    );
  });

  it("says the chart's placeholder activities are not carried over, and notes an old chart version", () => {
    expect(result.stdout).toMatch(
      /daemons\.daemons\.conveyorStager\.activities: chart 40's default .*test1.* not carried over/,
    );
    expect(result.stdout).toMatch(/servers\.authserver: .* pins chart 1\.30\.0/);
  });
});

describe('import refuses bad input and wrong usage, writing nothing', () => {
  it.each([
    [['import', '--name', 'x', '--daemons', 'daemons'], 2, /--daemons expects RELEASE=FILE/],
    [['import', '--name', 'x'], 2, /nothing to import/],
    [['import', '--daemons', 'd=a.yaml'], 2, /--name NAME is required/],
    [['import', '--name', 'Bad_Name', '--daemons', 'd=a.yaml'], 2, /--name must be a lowercase DNS label/],
  ])('%j exits %i', async (args, code, message) => {
    const dir = tempDir();
    const r = await cli(...(args as string[]), '--out', join(dir, 'x.yaml'));
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message as RegExp);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names the file and line of invalid YAML, and a missing file, with exit 1', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'reaperCount: 1\nreaper:\n  threads: [1\n');
    const out = join(dir, 'envs', 'x.yaml');
    let r = await cli('import', '--name', 'x', '--daemons', `d=${bad}`, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:\d+ {2}invalid YAML/);
    r = await cli('import', '--name', 'x', '--daemons', `d=${join(dir, 'missing.yaml')}`, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\.yaml does not exist/);
    expect(existsSync(out)).toBe(false);
  });

  it("names a '__proto__' key as not imported, and neither writes nor merges it", async () => {
    const dir = tempDir();
    const bad = join(dir, 'proto.yaml');
    writeFileSync(bad, 'reaperCount: 1\n__proto__: {reaperCount: 5}\nreaper:\n  __proto__: {threads: 99}\n');
    const out = join(dir, 'x.yaml');
    const r = await cli('import', '--name', 'x', '--daemons', `d=${bad}`, '--out', out);
    expect(r.stdout).toMatch(/^ {2}daemons\.d\.reaper\.__proto__: /m);
    expect(r.stdout).toMatch(/^ {2}daemons\.d\.__proto__: /m);
    const env = parse(readFileSync(out, 'utf8'));
    expect(env.daemons.d.reaperCount).toBe(1);
    expect(env.daemons.d.reaper).toBeUndefined();
    expect(({} as Record<string, unknown>).threads).toBeUndefined();
    expect(readFileSync(out, 'utf8')).not.toContain('__proto__');
  });

  it('does not overwrite an existing environment file without --force', async () => {
    const dir = tempDir();
    const out = join(dir, 'x.yaml');
    writeFileSync(out, 'keep me\n');
    const r = await cli('import', '--name', 'x', '--daemons', `d=${cms('daemons.yaml')}`, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exists');
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
  });

  it('refuses a HelmRelease of another chart', async () => {
    const dir = tempDir();
    const hr = join(dir, 'hr.yaml');
    writeFileSync(
      hr,
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: fts}\nspec:\n  chart: {spec: {chart: fts, version: 1.0.0}}\n',
    );
    const r = await cli('import', '--name', 'x', '--helmrelease', hr, '--out', join(dir, 'x.yaml'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /hr\.yaml:1: HelmRelease 'fts' installs chart 'fts'; import reads rucio-server, rucio-daemons, rucio-webui/,
    );
    expect(existsSync(join(dir, 'x.yaml'))).toBe(false);
  });
});
