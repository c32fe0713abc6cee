/**
 * WebUI values: strict like the server and daemons (did-you-mean, retired keys of the old chart explained), secrets
 * only by reference, `common` merged underneath only where it applies. The texts are pinned: operators read them.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../src/load/environments.js';
import { UserError } from '../../src/load/problems.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { upstreamDifferencesDoc } from '../../src/upstream/differences-doc.js';
import { AREAS, DIFFERENCES } from '../../src/upstream/differences.js';
import { run } from '../checks/helpers.js';
import { cleanup, envCopy, replaceOnce, tempDir } from '../helpers.js';

afterAll(cleanup);

function problems(dir: string, names?: string[]): string[] {
  try {
    loadEnvironments(dir, names);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return e.problems.map((p) => p.format().replace(`${dir}/`, ''));
  }
  return [];
}

/** A copy of the bundled environments with integration.yaml edited; `line(needle)` is the 1-based line of a text in it. */
function editedIntegration(edit: (text: string) => string): { dir: string; line: (needle: string) => number } {
  let edited = '';
  const dir = envCopy({ 'integration.yaml': (t) => (edited = edit(t)) });
  return {
    dir,
    line: (needle) => {
      const i = edited.indexOf(needle);
      if (i < 0) throw new Error(`not in the edited file: ${needle}`);
      return edited.slice(0, i).split('\n').length;
    },
  };
}

function renderProblems(dir: string): string[] {
  try {
    renderEnvironments(loadEnvironments(dir));
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return e.problems.map((p) => p.format().replace(`${dir}/`, ''));
  }
  return [];
}

/** A minimal environment with one WebUI release; `extra` lines are appended under the release (6 spaces deep). */
function webuiEnv(extra = '', top = ''): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'test.yaml'),
    [
      'name: test',
      'namespace: rucio',
      top,
      'webui:',
      '  ui:',
      '    useSSL: false',
      '    config:',
      '      webui:',
      '        rucio_host: https://rucio.example.org',
      '        rucio_auth_host: https://rucio-auth.example.org',
      '        hostname: rucio-ui.example.org',
      extra,
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n',
  );
  return dir;
}

describe('webui values', () => {
  it('a misspelt key names the file, line and key, and the nearest valid one', () => {
    const { dir, line } = editedIntegration((t) =>
      replaceOnce(t, '        rucio_auth_host:', '        rucio_auth_hots:'),
    );
    expect(problems(dir, ['integration'])).toEqual([
      `integration.yaml:${line('      webui:\n        rucio_host')}  webui.webuiint.config.webui.rucio_auth_host: required: expected a string, received nothing`,
      `integration.yaml:${line('rucio_auth_hots')}  webui.webuiint.config.webui.rucio_auth_hots: unknown key 'rucio_auth_hots': did you mean 'rucio_auth_host'?`,
    ]);
  });

  it('a misspelt top-level key too', () => {
    const dir = webuiEnv('    replicaCont: 2');
    expect(problems(dir)).toEqual([
      "test.yaml:11  webui.ui.replicaCont: unknown key 'replicaCont': did you mean 'replicaCount'?",
    ]);
  });

  it('a literal OIDC client secret is refused with file, line and key, and the value is never echoed', () => {
    const dir = webuiEnv(
      [
        '      oidc_providers:',
        '        cern:',
        '          client_id: rucio-webui',
        '          client_secret: s3cr3t-Value-7a1c9e',
      ].join('\n'),
    );
    const found = problems(dir);
    expect(found).toEqual([
      "test.yaml:14  webui.ui.config.oidc_providers.cern.client_secret: holds a literal value under a secret's name ('client_secret') in plain text (secrets must not reach git); reference a Secret instead (a secretKeyRef in config, valueFrom.secretKeyRef for an env var, a mounted Secret)",
    ]);
    expect(found.join('\n')).not.toContain('s3cr3t');
  });

  it('a client secret by reference becomes a secretKeyRef env var, and nothing secret is written', () => {
    const dir = webuiEnv(
      [
        '      oidc_providers:',
        '        cern:',
        '          client_id: rucio-webui',
        '          client_secret: {secretKeyRef: {name: webui-oidc, key: cern}}',
      ].join('\n'),
    );
    const files = renderEnvironments(loadEnvironments(dir));
    const deployment = files.find((f) => f.path === 'apps/test/ui/Deployment.ui-rucio-webui.k8s.yaml')!;
    const env = (deployment.object as any).spec.template.spec.containers.find((c: any) => c.name === 'rucio-webui').env;
    expect(env.find((e: any) => e.name === 'RUCIO_WEBUI_OIDC_PROVIDER_CERN_CLIENT_SECRET')).toEqual({
      name: 'RUCIO_WEBUI_OIDC_PROVIDER_CERN_CLIENT_SECRET',
      valueFrom: { secretKeyRef: { name: 'webui-oidc', key: 'cern' } },
    });
    expect(env.find((e: any) => e.name === 'RUCIO_WEBUI_OIDC_PROVIDER_CERN_CLIENT_ID')).toEqual({
      name: 'RUCIO_WEBUI_OIDC_PROVIDER_CERN_CLIENT_ID',
      value: 'rucio-webui',
    });
    expect(files.some((f) => f.object?.kind === 'Secret')).toBe(false);
  });

  it('a session secret in additionalEnvs or optionalConfig must be a reference', () => {
    const dir = webuiEnv(
      [
        '    additionalEnvs:',
        '      - {name: RUCIO_WEBUI_SESSION_PASSWORD, value: Zq9-long-session-Secret}',
        '    optionalConfig:',
        '      rucio_webui_session_secret: Zq9-long-session-Secret',
      ].join('\n'),
    );
    expect(problems(dir)).toEqual([
      "test.yaml:12  webui.ui.additionalEnvs.0.value: holds a literal value under a secret's name ('RUCIO_WEBUI_SESSION_PASSWORD') in plain text (secrets must not reach git); use an env var with 'valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}'",
      "test.yaml:14  webui.ui.optionalConfig.rucio_webui_session_secret: holds a literal value under a secret's name ('rucio_webui_session_secret') in plain text (secrets must not reach git); use an env var with 'valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}'",
    ]);
  });

  it('keys of the pre-33 chart say what replaced them', () => {
    const dir = webuiEnv(['    exposeErrorLogs: true', '    service:', '      useSSL: true'].join('\n'));
    expect(problems(dir)).toEqual([
      "test.yaml:11  webui.ui.exposeErrorLogs: unknown key 'exposeErrorLogs': replaced in chart 33: the WebUI's log sidecars are 'config.logs.exposeHttpdLogs' and 'config.logs.exposeWebuiLogs'",
      "test.yaml:13  webui.ui.service.useSSL: unknown key 'useSSL': moved in chart 33 to the release's top level: 'useSSL'",
    ]);
  });

  it('the Rucio servers and the WebUI host name are required', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'test.yaml'),
      'name: test\nnamespace: rucio\nwebui:\n  ui:\n    useSSL: false\n    config: {}\n',
    );
    expect(problems(dir)).toEqual(['test.yaml:6  webui.ui.config.webui: required: expected a map, received nothing']);
  });

  it('useSSL without a host certificate is an error at the release', () => {
    const dir = webuiEnv().replace(/$/, '');
    writeFileSync(
      join(dir, 'test.yaml'),
      'name: test\nnamespace: rucio\nwebui:\n  ui:\n    config:\n      webui: {rucio_host: https://r.example.org, rucio_auth_host: https://r.example.org, hostname: ui.example.org}\n',
    );
    expect(problems(dir)).toEqual([
      'test.yaml:4  webui.ui: useSSL (on by default, as in the chart) serves HTTPS but no host certificate is mounted: set tlsSecretName (a kubernetes.io/tls Secret), or useSSL: false',
    ]);
  });

  it("common's image pull policy, registry and pod metadata apply; its rucio.cfg, FTS mounts and Rucio tag do not", () => {
    const dir = webuiEnv(
      '',
      [
        'common:',
        '  image: {tag: release-36.2.0, pullPolicy: Always}',
        '  imageRegistry: registry.example.org',
        '  podAnnotations: {team: rucio}',
        '  config: {database: {default: {secretKeyRef: {name: rucio-db, key: url}}}}',
        '  secretMounts: [{secretFullName: rucio-x509up, mountPath: /opt/proxy}]',
      ].join('\n'),
    );
    const [env] = loadEnvironments(dir);
    const ui = env!.values.webui.ui!;
    expect(ui.image).toEqual({ repository: 'rucio/rucio-webui', tag: 'release-36.0.0', pullPolicy: 'Always' });
    expect(ui.imageRegistry).toBe('registry.example.org');
    expect(ui.podAnnotations).toEqual({ team: 'rucio' });
    expect(ui.secretMounts).toEqual([]);
  });

  it('an env var set twice is placed at the key that sets it again', () => {
    const dir = webuiEnv(['    additionalEnvs:', '      - {name: RUCIO_WEBUI_VO_LIST, value: def}'].join('\n'));
    expect(renderProblems(dir)).toEqual([
      "test.yaml:12  webui.ui.additionalEnvs.0.name: env var 'RUCIO_WEBUI_VO_LIST' is already set by config (httpd, webui, oidc_providers, vo): set it in one place",
    ]);
  });

  it('a release name shared with a server release is refused', () => {
    const dir = webuiEnv('', 'servers:\n  ui: {replicaCount: 1}');
    expect(problems(dir)).toContain(
      "test.yaml:6  webui.ui: release name 'ui' is also a server release: release names must be unique",
    );
  });
});

describe('HAProxy in front of the WebUI', () => {
  it('a webui frontend names WebUI releases; a server release there (or the reverse) says which kind to use', () => {
    const { dir, line } = editedIntegration((t) =>
      replaceOnce(
        replaceOnce(t, '        - {release: webuiint, weight: 10}', '        - {release: serverint, weight: 10}'),
        '        - {release: serverint, weight: 5}',
        '        - {release: webuiint, weight: 5}',
      ),
    );
    expect(problems(dir, ['integration'])).toEqual([
      `integration.yaml:${line('{release: webuiint, weight: 5}')}  haproxy.frontends.api.servers.0.release: no server release 'webuiint' in this environment ('webuiint' is a WebUI release: set serves: webui); server releases are: serverint, received "webuiint"`,
      `integration.yaml:${line('{release: serverint, weight: 10}')}  haproxy.frontends.webui.servers.0.release: no WebUI release 'serverint' in this environment ('serverint' is a server release: set serves: server); WebUI releases are: webuiint, received "serverint"`,
    ]);
  });

  it('the WebUI does not speak the PROXY protocol', () => {
    const { dir, line } = editedIntegration((t) =>
      replaceOnce(t, '      serves: webui', '      serves: webui\n      proxyProtocol: true'),
    );
    expect(problems(dir, ['integration'])).toEqual([
      `integration.yaml:${line('proxyProtocol: true')}  haproxy.frontends.webui.proxyProtocol: the WebUI image does not accept the PROXY protocol: set proxyProtocol: false on a webui frontend, received true`,
    ]);
  });
});

describe('the command line', () => {
  it('synth of a misspelt WebUI key and a literal OIDC client secret exits 1 with file, line and key, writing nothing', async () => {
    const { dir, line } = editedIntegration((t) =>
      replaceOnce(
        t,
        '        project_url: https://atlas.example.org',
        '        project_ulr: https://atlas.example.org\n      oidc_providers:\n        cern: {client_secret: Zx8-literal-Secret}',
      ),
    );
    const out = join(tempDir(), 'dist');
    const r = await run(['synth', '--environments', dir, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `integration.yaml:${line('project_ulr')}  webui.webuiint.config.webui.project_ulr: unknown key 'project_ulr': did you mean 'project_url'?`,
    );
    expect(r.stderr).toContain(
      `integration.yaml:${line('client_secret')}  webui.webuiint.config.oidc_providers.cern.client_secret: holds a literal value under a secret's name ('client_secret') in plain text`,
    );
    expect(r.stderr).not.toContain('Zx8-literal-Secret');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});

describe('the WebUI in docs/upstream-differences.md', () => {
  it('every difference named in docs/webui.md is in the generated table, under rucio-webui', () => {
    const webui = DIFFERENCES.filter((d) => d.area === 'webui').map((d) => d.id);
    expect(webui).toEqual(
      expect.arrayContaining([
        'webui-probes',
        'webui-resources',
        'webui-image-pinned',
        'webui-checksum',
        'webui-no-config-secret',
        'webui-secrets-by-reference',
        'webui-required-hosts',
        'webui-strict-keys',
        'webui-service-follows-ssl',
        'webui-ssl-needs-certificate',
      ]),
    );
    const doc = upstreamDifferencesDoc();
    const section = doc.indexOf(`## ${AREAS.webui}\n`);
    expect(section).toBeGreaterThan(0);
    for (const id of webui) expect(doc.indexOf(`| \`${id}\` |`), id).toBeGreaterThan(section);
  });
});
