/**
 * The command line end to end: exit codes, nothing written on bad input, byte-identical output whatever the time
 * zone and locale, synth removing only what it generated, the JSON Schema kept fresh, and `cdk8s synth`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { valuesReference } from '../src/cli/reference.js';
import { environmentJsonSchema } from '../src/cli/schema.js';
import { GENERATED_MARKER } from '../src/synth/files.js';
import { build } from './checks/process.js';
import { REPO, cleanup, cli, envCopy, readTree, replaceOnce, tempDir } from './helpers.js';

const BIN = join(REPO, 'bin', 'rucio-gitops.js');

/** Runs the built command as a process. */
function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(build, 300_000);
afterAll(cleanup);

describe('exit codes and messages', () => {
  it('validate: exit 1 with file, line, key path and the right spelling; nothing written', () => {
    // The first of the two daemons releases in the file.
    const dir = envCopy({
      'integration.yaml': (t) =>
        t.replace('    conveyorTransferSubmitterCount: 1', '    conveyorTransferSubmiterCount: 1'),
    });
    const before = readTree(dir);
    const r = run(['validate', '--environments', dir, '--env', 'integration']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "invalid environment 'integration' (1 problem):\n" +
        `  ${dir}/integration.yaml:69  daemons.daemonint.conveyorTransferSubmiterCount: unknown key 'conveyorTransferSubmiterCount': did you mean 'conveyorTransferSubmitterCount'?\n`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readTree(dir)).toEqual(before);
  });

  it('synth: an inline database password fails naming the key, and writes nothing', () => {
    const dir = envCopy({
      '_rucio.yaml': (t) =>
        replaceOnce(
          t,
          '      default: {secretKeyRef: {name: rucio-db, key: url}}',
          '      default: postgresql://rucio:hunter2@db.example.org/rucio',
        ),
    });
    const out = tempDir();
    writeFileSync(join(out, 'keep.txt'), 'mine\n');
    const r = run(['synth', '--environments', dir, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /_rucio\.yaml:15 {2}common\.config\.database\.default: holds a URL with a password in plain text/,
    );
    expect(r.stderr).not.toContain('hunter2');
    expect(readTree(out)).toEqual({ 'keep.txt': 'mine\n' });
  });

  it('usage errors exit 2', async () => {
    expect((await cli()).code).toBe(2);
    expect((await cli('sinth')).code).toBe(2);
    expect((await cli('synth', '--bogus')).stderr).toMatch(/Unknown option '--bogus'/);
    expect((await cli('validate', 'stray')).code).toBe(2);
    expect((await cli('--help')).code).toBe(0);
  });

  it('--env selects environments and suggests a near name', async () => {
    const ok = await cli('validate', '--env', 'production');
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringMatching(/^valid: production \(/m) });
    const bad = await cli('validate', '--env', 'prod');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no environment 'prod'/);
  });
});

describe('synth output', () => {
  it('is byte-identical across time zones and locales', () => {
    const a = tempDir();
    const b = tempDir();
    expect(run(['synth', '--out', a], { TZ: 'Pacific/Kiritimati', LC_ALL: 'C', LANG: 'C' }).code).toBe(0);
    expect(run(['synth', '--out', b], { TZ: 'America/Adak', LC_ALL: 'tr_TR.UTF-8', LANG: 'tr_TR.UTF-8' }).code).toBe(0);
    const ta = readTree(a);
    expect(Object.keys(ta).length).toBeGreaterThan(80);
    expect(readTree(b)).toEqual(ta);
  });

  it('removes the files it generated earlier and nothing else', async () => {
    const out = tempDir();
    mkdirSync(join(out, 'clusters', 'integration', 'flux-system'), { recursive: true });
    writeFileSync(join(out, 'clusters', 'integration', 'flux-system', 'gotk-sync.yaml'), 'kind: Kustomization\n');
    writeFileSync(join(out, 'README.md'), 'hand-written\n');
    mkdirSync(join(out, 'apps', 'integration', 'gone'), { recursive: true });
    writeFileSync(
      join(out, 'apps', 'integration', 'gone', 'Deployment.old.k8s.yaml'),
      `${GENERATED_MARKER}\nkind: Deployment\n`,
    );
    writeFileSync(join(out, 'apps', 'integration', 'notes.yaml'), 'kept: true\n');
    const r = await cli('synth', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 removed/);
    expect(existsSync(join(out, 'apps', 'integration', 'gone'))).toBe(false);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('hand-written\n');
    expect(readFileSync(join(out, 'apps', 'integration', 'notes.yaml'), 'utf8')).toBe('kept: true\n');
    expect(readFileSync(join(out, 'clusters', 'integration', 'flux-system', 'gotk-sync.yaml'), 'utf8')).toBe(
      'kind: Kustomization\n',
    );
    const again = await cli('synth', '--out', out);
    expect(again.stdout).toMatch(/0 written, 0 removed/);
  });

  it('with --env touches only that environment', async () => {
    const out = tempDir();
    cpSync(join(REPO, 'dist'), out, { recursive: true });
    const stale = join(out, 'apps', 'integration', 'daemonint', 'Deployment.daemonint-old.k8s.yaml');
    writeFileSync(stale, `${GENERATED_MARKER}\nkind: Deployment\n`);
    expect((await cli('synth', '--env', 'production', '--out', out)).code).toBe(0);
    expect(existsSync(stale)).toBe(true);
    expect((await cli('synth', '--env', 'integration', '--out', out)).code).toBe(0);
    expect(existsSync(stale)).toBe(false);
  });

  it('--check fails on a stale tree and passes on a fresh one', async () => {
    const out = tempDir();
    expect((await cli('synth', '--out', out)).code).toBe(0);
    expect((await cli('synth', '--check', '--out', out)).code).toBe(0);
    const file = join(out, 'apps', 'production', 'daemonprod', 'Deployment.daemonprod-undertaker.k8s.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('replicas: 1');
    writeFileSync(file, text.replace('replicas: 1', 'replicas: 3'));
    const r = await cli('synth', '--check', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/changed {2}.*Deployment\.daemonprod-undertaker\.k8s\.yaml/);
  });

  it('--check runs every check validate runs: a check that fails fails both alike (the CI examples run only --check)', async () => {
    const dir = envCopy({
      '_rucio.yaml': (t) =>
        replaceOnce(
          t,
          '      default: {secretKeyRef: {name: rucio-db, key: url}}',
          '      default: postgresql://rucio:hunter2@db.example.org/rucio',
        ),
    });
    const checked = await cli('synth', '--check', '--environments', dir, '--out', tempDir());
    const validated = await cli('validate', '--environments', dir);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(/holds a URL with a password in plain text/);
    expect(checked.stderr).toBe(validated.stderr);
    expect(validated.code).toBe(1);
  });
});

describe('the JSON Schema for editors', () => {
  it('is committed and up to date (run `rucio-gitops schema` when this fails)', () => {
    expect(readFileSync(join(REPO, 'values', 'environment.schema.json'), 'utf8')).toBe(environmentJsonSchema());
    expect(readFileSync(join(REPO, 'values', 'REFERENCE.md'), 'utf8')).toBe(valuesReference());
  });

  it('schema --check fails on a stale file', async () => {
    const file = join(tempDir(), 'schema.json');
    writeFileSync(file, '{}\n');
    const r = await cli('schema', '--check', '--out', file);
    expect(r).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/schema\.json is stale: run 'rucio-gitops schema'/),
    });
  });

  it('documents the daemons and refuses unknown keys', () => {
    const schema = JSON.parse(environmentJsonSchema());
    const text = JSON.stringify(schema);
    expect(text).toContain('conveyorTransferSubmitterCount');
    expect(text).toContain('"additionalProperties":false');
  });
});

describe('cdk8s synth', () => {
  it('writes the same manifests as rucio-gitops synth', () => {
    const out = join(REPO, 'cdk8s.out');
    // `npm run cdk8s -- synth` is cdk8s-cli without its update check, which fetches the registry and prints the
    // fetch's stack trace when it cannot reach it: a fresh HOME (no cached answer) must still print no trace.
    const r = spawnSync('npm', ['run', '-s', 'cdk8s', '--', 'synth'], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, HOME: tempDir() },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at |Error:|new version/);
    expect(readTree(out)).toEqual(
      Object.fromEntries(
        Object.entries(readTree(join(REPO, 'dist'))).filter(([, t]) => t.startsWith(GENERATED_MARKER)),
      ),
    );
  });
});
