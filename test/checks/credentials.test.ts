/**
 * The credential scanner, on strings (each pattern), on environment files (file, line and key) and on generated
 * objects; and the rule against Secrets with data.
 */
import { describe, expect, test } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { scanValue } from '../../src/secrets/scan.js';
import { type RenderedFile } from '../../src/synth/files.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { copyEnvironments, edit, run } from './helpers.js';

/** What the scanner finds in `value` under `key`, one description per finding. */
const found = (key: string, value: string) => scanValue({ [key]: value }).map((f) => f.what);

describe('scanValue on one key and value', () => {
  test.each([
    ['default', 'oracle://rucio:s3cr3t@db.example.org:1521/RUCIO', 'a URL with a password'],
    ['url', 'postgresql://rucio:hunter2@pg.example.org/rucio', 'a URL with a password'],
    ['brokers', 'amqp://user:pw@mq:5672', 'a URL with a password'],
    ['tls.key', '-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----', 'a private key block'],
    ['key', '-----BEGIN PRIVATE KEY-----\nMIIE', 'a private key block'],
    ['id', '-----BEGIN OPENSSH PRIVATE KEY-----', 'a private key block'],
    ['header', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyb290In0.c2lnbmF0dXJlX2hlcmU', 'a JSON Web Token'],
    ['clone', `https://x-access-token:ghp_${'a'.repeat(36)}@github.com/org/repo`, 'a URL with a password'],
    ['note', `ghp_${'A1b2'.repeat(9)}`, 'a GitHub token'],
    ['note', `github_pat_${'A'.repeat(30)}`, 'a GitHub token'],
    ['note', `glpat-${'x'.repeat(20)}`, 'a GitLab token'],
    [
      'auth_token',
      'dGhpcyBpcyBhIHZlcnkgbG9uZyB0b2tlbiB2YWx1ZQ==',
      "a literal value under a secret's name ('auth_token')",
    ],
    ['api_key', '0123456789abcdef0123456789abcdef', "a literal value under a secret's name ('api_key')"],
    ['password', 'hunter2', "a literal value under a secret's name ('password')"],
    ['db_passwd', 'x', "a literal value under a secret's name ('db_passwd')"],
  ])('%s: %j is %s', (key, value, what) => {
    expect(found(key, value)).toContain(what);
  });

  test.each([
    ['default', 'oracle://db.example.org:1521/RUCIO'],
    ['ftshosts', 'https://fts3.example.org:8446'],
    ['url', 'postgresql://rucio:$(DB_PASSWORD)@pg/rucio'],
    ['password', ''],
    ['password_file', '/etc/rucio/password'],
    ['token', 'true'],
    ['auth_type', 'x509'],
    ['auth_dir', '/opt/rucio/certs/authentication/x509'],
    ['endpoint_auth', 'rucio_authentication_service_name'],
    ['secretName', 'rucio-db'],
    ['description', 'the server reads its token from a Secret'],
    ['image', 'rucio/rucio-server:release-36.2.0'],
  ])('%s: %j is clean', (key, value) => {
    expect(found(key, value)).toEqual([]);
  });
});

describe('scanValue on structures', () => {
  test('judges an env var by its name, and scans JSON text inside strings', () => {
    const found = scanValue({
      env: [
        { name: 'RUCIO_CFG_DATABASE_PASSWORD', value: 'pw' },
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      ],
      data: { 'component.json': JSON.stringify({ database: { default: 'mysql://u:p@h/db' } }) },
    });
    expect(found.map((f) => `${f.path.join('.')}: ${f.what}`)).toEqual([
      "env.0.value: a literal value under a secret's name ('RUCIO_CFG_DATABASE_PASSWORD')",
      "data.component.json: a URL with a password (at 'database.default' inside the JSON text)",
    ]);
  });
});

describe('environment files', () => {
  test('each finding names the file, the line and the key, in every layer', async () => {
    const dir = copyEnvironments();
    edit(dir, '_rucio.yaml', (t) =>
      t.replace('      pool_size: 10\n', '      pool_size: 10\n      backup: oracle://rucio:s3cr3t@db.example.org/R\n'),
    );
    edit(dir, 'integration.yaml', (t) =>
      t.replace(
        '    exposeErrorLogs: false\n',
        `    exposeErrorLogs: false\n    podAnnotations:\n      ci-token: glpat-${'y'.repeat(24)}\n`,
      ),
    );
    const r = await run(['validate', '--environments', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/_rucio\.yaml:17 {2}common\.config\.database\.backup: .*a URL with a password/);
    expect(r.stderr).toMatch(
      /integration\.yaml:2[0-9] {2}servers\.serverint\.podAnnotations\.ci-token: holds a GitLab token/,
    );
    expect(r.stderr).not.toContain('s3cr3t');
  });
});

describe('generated objects', () => {
  const rendered = () => {
    const envs = loadEnvironments('environments', ['production']);
    return { envs, files: renderEnvironments(envs) };
  };

  test('the bundled output has no credential and no Secret with data', async () => {
    const { envs, files } = rendered();
    const report = await runChecks(envs, files, { out: 'dist', partial: true });
    expect(report.problems.map((p) => p.format())).toEqual([]);
  });

  test('a Secret with data or stringData fails; a SealedSecret-style reference does not', async () => {
    const { envs, files } = rendered();
    const secret = (extra: Record<string, unknown>): RenderedFile => ({
      path: 'apps/production/daemonprod/Secret.db.k8s.yaml',
      text: '',
      object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'rucio' }, ...extra } as never,
    });
    for (const key of ['data', 'stringData']) {
      const report = await runChecks(envs, [...files, secret({ [key]: { url: 'eA==' } })], {
        out: 'dist',
        partial: true,
      });
      expect(report.problems.map((p) => p.format())).toEqual([
        `dist/apps/production/daemonprod/Secret.db.k8s.yaml  Secret/db ${key}: [secret-data] a Secret with ${key} would put its values into git: use a SealedSecret or an ExternalSecret, or reference a Secret created outside git`,
      ]);
    }
    const empty = await runChecks(envs, [...files, secret({ type: 'Opaque' })], { out: 'dist', partial: true });
    expect(empty.problems).toEqual([]);
  });

  test('a credential in a generated object is an error naming the object and field', async () => {
    const { envs, files } = rendered();
    const cm: RenderedFile = {
      path: 'apps/production/daemonprod/ConfigMap.x.k8s.yaml',
      text: '',
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', namespace: 'rucio' },
        data: { 'key.pem': '-----BEGIN EC PRIVATE KEY-----\nabc' },
      } as never,
    };
    const report = await runChecks(envs, [...files, cm], { out: 'dist', partial: true });
    expect(report.problems.map((p) => p.format())).toEqual([
      'dist/apps/production/daemonprod/ConfigMap.x.k8s.yaml  ConfigMap/x data.key.pem: [credentials] holds a private key block in plain text: take it from a Secret (secretKeyRef, valueFrom.secretKeyRef or a mounted Secret), never a literal',
    ]);
  });

  test('a file that is not an object (an haproxy.cfg) is scanned line by line', async () => {
    const { envs, files } = rendered();
    const cfg: RenderedFile = {
      path: 'infrastructure/production/haproxy/haproxy.cfg',
      text: 'global\n  log stdout\nbackend x\n  server a https://admin:hunter2@rucio:443\n',
    };
    const report = await runChecks(envs, [...files, cfg], { out: 'dist', partial: true });
    expect(report.problems.map((p) => p.format())).toEqual([
      'dist/infrastructure/production/haproxy/haproxy.cfg:4  [credentials] holds a URL with a password in plain text: take it from a Secret or an environment variable set from one',
    ]);
  });
});
