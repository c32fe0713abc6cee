/**
 * Loading environment files: every error names the file, the line, the key path, what was received and what is
 * allowed. The texts are pinned: they are the interface operators read.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../src/load/environments.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { UserError } from '../../src/load/problems.js';
import { cleanup, envCopy, replaceOnce, tempDir } from '../helpers.js';

afterAll(cleanup);

/** The problems of loading a folder, as printed (paths relative to the folder). */
function problems(dir: string, names?: string[]): string[] {
  try {
    loadEnvironments(dir, names);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return e.problems.map((p) => p.format().replace(`${dir}/`, ''));
  }
  return [];
}

/** A folder with one environment file of this text (and nothing else). */
function single(text: string, name = 'test'): string {
  const dir = tempDir();
  writeFileSync(join(dir, `${name}.yaml`), text);
  return dir;
}

describe('unknown keys', () => {
  it('name the line and suggest the nearest valid key', () => {
    const dir = envCopy({
      'production.yaml': (t) => replaceOnce(t, '    conveyorReceiverCount: 1', '    conveyorRecieverCount: 1'),
    });
    expect(problems(dir, ['production'])).toEqual([
      "production.yaml:27  daemons.daemonprod.conveyorRecieverCount: unknown key 'conveyorRecieverCount': did you mean 'conveyorReceiverCount'?",
    ]);
  });

  it('inside a daemon block too', () => {
    const dir = single('name: test\nnamespace: rucio\ndaemons:\n  d:\n    reaper:\n      greddy: true\n');
    expect(problems(dir)).toEqual([
      "test.yaml:6  daemons.d.reaper.greddy: unknown key 'greddy': did you mean 'greedy'?",
    ]);
  });

  it('list the allowed keys when none is near', () => {
    const dir = single('name: test\nnamespace: rucio\nservers:\n  s:\n    wsgi:\n      zzz: 1\n');
    expect(problems(dir)).toEqual([
      "test.yaml:6  servers.s.wsgi.zzz: unknown key 'zzz': allowed keys are daemonProcesses, daemonThreads",
    ]);
  });
});

describe('keys upstream renamed or dropped', () => {
  const cases: [string, string][] = [
    [
      'daemons:\n  d:\n    hermes2Count: 1\n',
      "test.yaml:5  daemons.d.hermes2Count: unknown key 'hermes2Count': renamed in 2023: the daemon once called hermes2 is now 'hermesCount' (and the old hermes is now 'hermesLegacyCount')",
    ],
    [
      'daemons:\n  d:\n    reaper2:\n      threads: 2\n',
      "test.yaml:5  daemons.d.reaper2: unknown key 'reaper2': renamed in chart 1.31: use 'reaper' (rucio-reaper2 is now rucio-reaper)",
    ],
    [
      'daemons:\n  d:\n    additionalSecrets: {}\n',
      "test.yaml:5  daemons.d.additionalSecrets: unknown key 'additionalSecrets': dropped in chart 1.31.6: use 'secretMounts' (items {secretName | secretFullName, mountPath, subPath})",
    ],
    [
      'daemons:\n  d:\n    hermes:\n      sleepTime: 5\n',
      "test.yaml:6  daemons.d.hermes.sleepTime: unknown key 'sleepTime': only hermesLegacy reads it: move it to 'hermesLegacy.sleepTime' or remove it",
    ],
    [
      'servers:\n  s:\n    httpd_config:\n      thread_limit: 128\n',
      "test.yaml:6  servers.s.httpd_config.thread_limit: unknown key 'thread_limit': misspelt in the chart's own examples: the image reads 'threads_limit' (RUCIO_HTTPD_THREADS_LIMIT); 'thread_limit' was silently ignored",
    ],
    [
      'servers:\n  s:\n    authReplicaCount: 1\n',
      "test.yaml:5  servers.s.authReplicaCount: unknown key 'authReplicaCount': removed in chart 1.31: a server release serves one kind of server; add a separate release under servers: with config.api.endpoints",
    ],
    [
      'servers:\n  s:\n    useSSL: {server: true, authServer: true}\n',
      'test.yaml:5  servers.s.useSSL: expected true or false, received a map: per-server-type useSSL was removed in chart 1.31: set useSSL on each server release',
    ],
  ];
  it.each(cases)('%s', (body, expected) => {
    expect(problems(single(`name: test\nnamespace: rucio\n${body}`))).toEqual([expected]);
  });
});

describe('wrong values', () => {
  it('say what was received and what is allowed', () => {
    const dir = single(
      [
        'name: test',
        'namespace: rucio',
        'daemons:',
        '  d:',
        '    reaperCount: "2"',
        '    undertakerCount: -1',
        '    image: {tag: latest, pullPolicy: Sometimes}',
        '    reaper:',
        '      resources: {requests: {cpu: lots, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}',
        '',
      ].join('\n'),
    );
    expect(problems(dir)).toEqual([
      'test.yaml:5  daemons.d.reaperCount: expected a number, received "2"',
      'test.yaml:6  daemons.d.undertakerCount: expected a number at least 0, received -1',
      'test.yaml:7  daemons.d.image.pullPolicy: expected one of "IfNotPresent", "Always", "Never", received "Sometimes"',
      'test.yaml:7  daemons.d.image.tag: a moving tag cannot be reviewed or rolled back: pin a release such as release-36.2.0, received "latest"',
      'test.yaml:9  daemons.d.reaper.resources.requests.cpu: expected a Kubernetes quantity such as 700m, 2, 200Mi or 1Gi, received "lots"',
    ]);
  });

  it('report a missing required key at its parent', () => {
    expect(problems(single('name: test\n'))).toEqual([
      'test.yaml  namespace: required: expected a string, received nothing',
    ]);
  });

  it('refuse a name that is not the file name', () => {
    expect(problems(single('name: other\nnamespace: rucio\n'))).toEqual([
      "test.yaml:1  name: expected 'test', the file's name, received \"other\": name the file after the environment",
    ]);
  });
});

describe('plaintext secrets', () => {
  it('refuse an inline database URL with a password, naming the key and the fix', () => {
    const dir = envCopy({
      '_rucio.yaml': (t) =>
        replaceOnce(
          t,
          '      default: {secretKeyRef: {name: rucio-db, key: url}}',
          '      default: oracle://rucio:s3cr3t@db.example.org:1521/RUCIO',
        ),
    });
    const found = problems(dir, ['production']);
    expect(found).toEqual([
      "_rucio.yaml:15  common.config.database.default: holds a URL with a password in plain text (secrets must not reach git); reference an existing Secret instead: 'default: {secretKeyRef: {name: <secret>, key: <key>}}'",
    ]);
    expect(found.join('\n')).not.toContain('s3cr3t');
  });

  it('refuse a password option with a literal value', () => {
    const dir = single(
      'name: test\nnamespace: rucio\nservers:\n  s:\n    config:\n      messaging-hermes:\n        password: hunter2\n',
    );
    expect(problems(dir)).toEqual([
      "test.yaml:7  servers.s.config.messaging-hermes.password: holds a literal value under a secret's name ('password') in plain text (secrets must not reach git); reference an existing Secret instead: 'password: {secretKeyRef: {name: <secret>, key: <key>}}'",
    ]);
  });

  it('refuse a secret in additionalEnvs and optional_config', () => {
    const dir = single(
      [
        'name: test',
        'namespace: rucio',
        'daemons:',
        '  d:',
        '    additionalEnvs: [{name: FTS_TOKEN, value: abc123}]',
        '    optional_config: {rucio_cfg_database_default: "mysql://u:p@h/db"}',
        '',
      ].join('\n'),
    );
    expect(problems(dir)).toEqual([
      "test.yaml:5  daemons.d.additionalEnvs.0.value: holds a literal value under a secret's name ('FTS_TOKEN') in plain text (secrets must not reach git); use an env var with 'valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}'",
      "test.yaml:6  daemons.d.optional_config.rucio_cfg_database_default: holds a URL with a password in plain text (secrets must not reach git); use an env var with 'valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}'",
    ]);
  });

  it('accept file paths under secret-looking names', () => {
    expect(
      problems(
        single(
          'name: test\nnamespace: rucio\nservers:\n  s:\n    config:\n      conveyor:\n        token_path: /opt/rucio/token\n',
        ),
      ),
    ).toEqual([]);
  });
});

describe('layers and files', () => {
  it('report every problem of every environment at once', () => {
    const dir = envCopy({
      'production.yaml': (t) => replaceOnce(t, '    hermesCount: 2', '    hermesCont: 2'),
      'integration.yaml': (t) => replaceOnce(t, '    replicaCount: 2', '    replicaCount: two'),
    });
    expect(problems(dir)).toEqual([
      'integration.yaml:16  servers.serverint.replicaCount: expected a number, received "two"',
      "production.yaml:47  daemons.daemonprod.hermesCont: unknown key 'hermesCont': did you mean 'hermesCount'?",
    ]);
  });

  it('place a problem that comes from common in the common layer, once', () => {
    const dir = envCopy({
      '_rucio.yaml': (t) =>
        replaceOnce(t, '  image:\n    tag: release-36.2.0', '  image:\n    tag: release-36.2.0\n    tga: x'),
    });
    expect(problems(dir, ['integration'])).toEqual([
      "_rucio.yaml:9  common.image.tga: unknown key 'tga': did you mean 'tag'?",
    ]);
  });

  it('name a missing layer', () => {
    expect(problems(single('name: test\nextends: _rucoi\nnamespace: rucio\n'))).toEqual(
      ["test.yaml:2  extends: no layer '_rucoi' (" + 'DIR/_rucoi.yaml does not exist); layers are test']
        .map((s) => s.replace('DIR/', '').replace(/^/, ''))
        .map(() =>
          expect.stringMatching(
            /^test\.yaml:2 {2}extends: no layer '_rucoi' \(.*_rucoi\.yaml does not exist\); layers are test$/,
          ),
        ),
    );
  });

  it('refuse duplicate keys, with the line', () => {
    expect(problems(single('name: test\nnamespace: rucio\nnamespace: other\n'))).toEqual([
      'test.yaml:3  invalid YAML: a key appears twice in the same map: keep one',
    ]);
  });

  it('refuse an alias bomb without expanding it', () => {
    const bomb = [
      'name: test',
      'namespace: rucio',
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      '',
    ].join('\n');
    expect(problems(single(bomb))).toEqual([
      'test.yaml  invalid YAML: too many YAML aliases (more than 100 expansions): write the values out',
    ]);
  });

  it('suggest the nearest environment name', () => {
    expect(() => loadEnvironments(envCopy(), ['integraton'])).toThrow(
      /no environment 'integraton' \(did you mean 'integration'\?\) in .*; environments are: integration, production/,
    );
  });
});

describe('problems found while building the objects', () => {
  function renderProblems(dir: string): string[] {
    try {
      renderEnvironments(loadEnvironments(dir));
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      return e.problems.map((p) => p.format().replace(`${dir}/`, ''));
    }
    return [];
  }

  it('are placed in the file too: two mounts on one path', () => {
    const dir = single(
      [
        'name: test',
        'namespace: rucio',
        'daemons:',
        '  d:',
        '    reaperCount: 1',
        '    secretMounts:',
        '      - {secretFullName: a, mountPath: /opt/proxy}',
        '      - {secretFullName: b, mountPath: /opt/proxy}',
        '',
      ].join('\n'),
    );
    expect(renderProblems(dir)).toEqual([
      "test.yaml:8  daemons.d.secretMounts.1: mountPath '/opt/proxy' is already mounted from volume 'a': each path takes one mount",
    ]);
  });

  it('are placed in the file too: an env var set twice', () => {
    const dir = single(
      [
        'name: test',
        'namespace: rucio',
        'servers:',
        '  s:',
        '    additionalEnvs:',
        '      - {name: RUCIO_LOG_FORMAT, value: x}',
        '',
      ].join('\n'),
    );
    expect(renderProblems(dir)).toEqual([
      "test.yaml:6  servers.s.additionalEnvs.0.name: env var 'RUCIO_LOG_FORMAT' is already set by the server release (useSSL, wsgi, httpd_config, monitoring, logFormat): set it in one place",
    ]);
  });
});
