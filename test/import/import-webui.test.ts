/**
 * `import --webui RELEASE=FILES` (issue 16) and rucio-webui HelmReleases: layered rucio-webui values files
 * (test/fixtures/import/webui/) become a `webui:` release that synthesizes into the chart's objects, with the literal
 * OIDC client secret turned into a reference, Helm's strings typed, chart 32 keys named, and `common` taking only
 * what it would merge under every release it reaches.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { importEnvironment } from '../../src/import/import.js';
import { cleanup, cli, REPO, readTree, tempDir, type Obj } from '../helpers.js';

afterAll(cleanup);

const FIX = join(REPO, 'test', 'fixtures', 'import');
const cms = (f: string) => join(FIX, 'cms-like', f);
const SERVER_FILES = ['common.yaml', 'server.yaml', 'prod-server.yaml', 'release.yaml'].map(cms).join(',');
const DAEMON_FILES = ['common.yaml', 'daemons.yaml', 'prod-daemons.yaml', 'release.yaml'].map(cms).join(',');
const WEBUI_FILES = ['webui.yaml', 'prod-webui.yaml'].map((f) => join(FIX, 'webui', f)).join(',');
const CLIENT_SECRET = 'Wb0idcS3cretN0tReal7f3a9c';

type Container = { name: string; env?: { name: string; value?: string; valueFrom?: Obj }[] };

describe('import --webui: layered rucio-webui values files next to a server and a daemons release', () => {
  let dir: string;
  let text: string;
  let env: Obj;
  let result: { code: number; stdout: string; stderr: string };
  let dist: Record<string, string>;
  beforeAll(async () => {
    dir = tempDir();
    const out = join(dir, 'environments', 'cmsprod.yaml');
    result = await cli(
      'import',
      '--name',
      'cmsprod',
      '--server',
      `server=${SERVER_FILES}`,
      '--daemons',
      `daemons=${DAEMON_FILES}`,
      '--webui',
      `webui=${WEBUI_FILES}`,
      '--out',
      out,
    );
    text = readFileSync(out, 'utf8');
    env = parse(text);
    const synth = await cli('synth', '--environments', join(dir, 'environments'), '--out', join(dir, 'dist'));
    expect(synth.stderr).toBe('');
    dist = readTree(join(dir, 'dist'));
  });

  it('writes a webui release that synthesizes, and names its source files', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('webui release webui');
    expect(Object.keys(env.webui)).toEqual(['webui']);
    expect(text).toMatch(/^ {2}# rucio-webui values from .*webui\.yaml, .*prod-webui\.yaml \(later files win\)$/m);
  });

  it('never writes the OIDC client secret: a reference in its place, and the Secret to create printed', () => {
    for (const t of [text, result.stdout, result.stderr, ...Object.values(dist)])
      expect(t).not.toContain(CLIENT_SECRET);
    expect(env.webui.webui.config.oidc_providers.cern.client_secret).toEqual({
      secretKeyRef: { name: 'cmsprod-rucio-secrets', key: 'oidc_providers.cern.client_secret' },
    });
    expect(result.stdout).toMatch(/key oidc_providers\.cern\.client_secret: the value of webui\.webui\.config/);
    expect(result.stdout).toContain('--from-literal=oidc_providers.cern.client_secret=…');
  });

  it("types Helm's strings, drops the chart's empty placeholders, and carries the misspelt thread_limit", () => {
    const w = env.webui.webui;
    expect(w.replicaCount).toBe(2);
    expect(w.useSSL).toBe(true);
    expect(w.service.port).toBe(443);
    expect(w.config.logs.exposeHttpdLogs).toBe(true);
    expect(w.config.httpd.threads_limit).toBe('128');
    expect(w.config.httpd.thread_limit).toBeUndefined();
    expect(w.config.oidc_providers.indico).toBeUndefined();
    expect(w.config.oidc_providers.cern.refresh_token_url).toBeUndefined();
    expect(result.stdout).toMatch(/webui\.webui\.config\.oidc_providers\.indico\.\{client_id,client_secret\}: empty/);
  });

  it('names every chart 32 key it did not carry over, with what replaced it', () => {
    for (const [path, why] of [
      ['webui.webui.exposeErrorLogs', 'config.logs.exposeHttpdLogs'],
      ['webui.webui.config.react', 'config.webui.rucio_host'],
    ])
      expect(result.stdout).toMatch(
        new RegExp(`^  ${path.replace(/\./g, '\\.')}: .*${why.replace(/\./g, '\\.')}`, 'm'),
      );
    expect(result.stdout).toMatch(
      /webui\.webui\.service\.useSSL: moved in chart 33 to 'useSSL', which is set to the same/,
    );
    const block = text.slice(text.indexOf('\nwebui:'));
    expect(block).not.toMatch(/exposeErrorLogs|react:/);
  });

  it("keeps common to what it merges under every release it reaches: the WebUI's own keys stay in its block", () => {
    // secretMounts, optional_config and config go under the server and daemons only, so they may move to common;
    // imagePullSecrets would reach the WebUI too, and only the WebUI has it.
    expect(env.common.secretMounts).toBeDefined();
    expect(env.common.imagePullSecrets).toBeUndefined();
    expect(env.webui.webui.imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
    expect(env.webui.webui.image).toEqual({
      repository: 'rucio/rucio-webui',
      tag: 'release-35.0.0',
      pullPolicy: 'Always',
    });
  });

  it("synthesizes the chart's objects: the Deployment with the mapped env vars, and the Service on 443", () => {
    const dep = parse(dist['apps/cmsprod/webui/Deployment.webui-rucio-webui.k8s.yaml']!) as Obj;
    expect(dep.spec.replicas).toBe(2);
    const c = (dep.spec.template.spec.containers as Container[]).find((x) => x.name === 'rucio-webui')!;
    const envs = new Map((c.env ?? []).map((e) => [e.name, e]));
    expect(envs.get('RUCIO_WEBUI_RUCIO_HOST')?.value).toBe('https://rucio.example.org');
    expect(envs.get('RUCIO_WEBUI_RUCIO_AUTH_HOST')?.value).toBe('https://rucio-auth.example.org');
    expect(envs.get('RUCIO_HTTPD_THREADS_LIMIT')?.value).toBe('128');
    expect(envs.get('RUCIO_WEBUI_OIDC_PROVIDER_CERN_CLIENT_SECRET')?.valueFrom).toEqual({
      secretKeyRef: { name: 'cmsprod-rucio-secrets', key: 'oidc_providers.cern.client_secret' },
    });
    expect([...envs.keys()].filter((k) => k.includes('INDICO'))).toEqual([]);
    const svc = parse(dist['apps/cmsprod/webui/Service.webui-rucio-webui.k8s.yaml']!) as Obj;
    expect(svc.spec.ports).toEqual([expect.objectContaining({ port: 443, targetPort: 443, name: 'https' })]);
  });
});

describe('import: common takes a key only when every release it reaches holds it, equal', () => {
  function files(dir: string, webuiPullSecret: string): Record<string, string[]> {
    const write = (name: string, body: string) => {
      const f = join(dir, name);
      writeFileSync(f, body);
      return [f];
    };
    const pull = (n: string) => `imagePullSecrets: [{name: ${n}}]\n`;
    return {
      server: [`s=${write('s.yaml', pull('regcred') + 'replicaCount: 1\n')[0]}`],
      daemons: [`d=${write('d.yaml', pull('regcred') + 'judgeEvaluatorCount: 1\n')[0]}`],
      webui: [`w=${write('w.yaml', pull(webuiPullSecret) + 'replicaCount: 1\n')[0]}`],
    };
  }

  it('moves imagePullSecrets to common when the WebUI has the same', () => {
    const r = importEnvironment({ name: 'x', releases: files(tempDir(), 'regcred'), helmReleases: [] });
    const env = parse(r.text);
    expect(env.common.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    for (const [kind, name] of [
      ['servers', 's'],
      ['daemons', 'd'],
      ['webui', 'w'],
    ] as const)
      expect(env[kind][name].imagePullSecrets).toBeUndefined();
  });

  it('keeps it in every release when the WebUI differs (common would have reached the WebUI)', () => {
    const r = importEnvironment({ name: 'x', releases: files(tempDir(), 'other'), helmReleases: [] });
    const env = parse(r.text);
    expect(env.common?.imagePullSecrets).toBeUndefined();
    expect(env.servers.s.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(env.webui.w.imagePullSecrets).toEqual([{ name: 'other' }]);
  });
});

describe('import of a rucio-webui HelmRelease', () => {
  it('reads it by its chart, turns the Secret valuesFrom at the client secret into a secretKeyRef, and synthesizes', async () => {
    const dir = tempDir();
    const out = join(dir, 'environments', 'flux.yaml');
    const result = await cli(
      'import',
      '--name',
      'flux',
      '--helmrelease',
      join(FIX, 'webui', 'helmrelease.yaml'),
      '--out',
      out,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const env = parse(readFileSync(out, 'utf8'));
    expect(Object.keys(env.webui)).toEqual(['webui']);
    expect(env.webui.webui.config.oidc_providers.cern.client_secret).toEqual({
      secretKeyRef: { name: 'rucio-webui-oidc', key: 'client_secret' },
    });
    expect(result.stdout).toContain('carried over as a secretKeyRef to the same Secret');
    // chart 40's default image is written out, since the pods ran it.
    expect(env.webui.webui.image.tag).toBe('release-33.0.0');
    expect(result.stdout).toMatch(/webui\.webui\.image\.tag: chart 40's default WebUI image/);
  });

  it('names a misspelt key of a webui values file as not imported, and does not write it', async () => {
    const dir = tempDir();
    const values = join(dir, 'w.yaml');
    writeFileSync(
      values,
      'tlsSecretName: c\nconfig:\n  webui:\n    rucio_host: https://r.example.org\n    rucio_auth_host: https://r.example.org\n    hostname: ui.example.org\n    rucio_hots: https://typo.example.org\n',
    );
    const out = join(dir, 'environments', 'w.yaml');
    const result = await cli('import', '--name', 'w', '--webui', `ui=${values}`, '--out', out);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}webui\.ui\.config\.webui\.rucio_hots: /m);
    expect(readFileSync(out, 'utf8')).not.toContain('rucio_hots');
  });
});
