import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publishTo, type PublishOptions } from '../../src/cli/publish.js';
import { UserError } from '../../src/load/problems.js';
import { GENERATED_MARKER } from '../../src/synth/files.js';
import {
  bareRemote,
  capture,
  cleanup,
  git,
  identity,
  publishedRemote,
  ROOT,
  snapshot,
  sourceRepo,
  tempDir,
} from './helpers.js';
import { cli } from '../helpers.js';
import { build } from '../checks/process.js';

afterAll(cleanup);

function options(source: string, remote: string, extra: Partial<PublishOptions> = {}): PublishOptions {
  return { environments: join(source, 'environments'), repo: remote, branch: 'main', attempts: 5, ...extra };
}

/** A clone of the remote's branch, to look at what landed. */
function inspect(remote: string, branch = 'main'): string {
  const dir = join(tempDir('rg-inspect-'), 'clone');
  git(tempDir(), 'clone', '-q', '-b', branch, remote, dir);
  return dir;
}

const log = (remote: string, format: string) =>
  git(remote, 'log', `--format=${format}`, 'main')
    .trim()
    .split('\n')
    .filter((l) => l !== '');

describe('rucio-gitops publish (real bare remotes)', () => {
  it("git runs with this process's environment as it is (GIT_SSH_COMMAND for a deploy key; here the committer)", async () => {
    // GIVEN a CI job that names the committer (or the deploy key) through git's environment variables
    const source = sourceRepo();
    const remote = bareRemote();
    const saved = { name: process.env.GIT_COMMITTER_NAME, email: process.env.GIT_COMMITTER_EMAIL };
    process.env.GIT_COMMITTER_NAME = 'Deploy Bot';
    process.env.GIT_COMMITTER_EMAIL = 'deploy-bot@example.org';
    try {
      // WHEN it publishes
      await publishTo(options(source, remote), capture().ctx);
    } finally {
      for (const [k, v] of [
        ['GIT_COMMITTER_NAME', saved.name],
        ['GIT_COMMITTER_EMAIL', saved.email],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    // THEN git saw them (simple-git alone strips every GIT_* variable), and the author is still the source's
    expect(log(remote, '%cn <%ce>')).toEqual(['Deploy Bot <deploy-bot@example.org>']);
    expect(log(remote, '%an <%ae>')).toEqual(['Alice Operator <alice@example.org>']);
  });

  it('lands a commit with the expected message and author; a second publish with no change makes none', async () => {
    const source = sourceRepo();
    const remote = bareRemote();
    const head = git(source, 'rev-parse', 'HEAD').trim();
    const c = capture();
    const result = await publishTo(options(source, remote), c.ctx);
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(log(remote, '%H')).toEqual([result.commit]);
    expect(log(remote, '%an <%ae>')).toEqual(['Alice Operator <alice@example.org>']);
    const message = git(remote, 'log', '-1', '--format=%B', 'main');
    expect(message.split('\n')[0]).toBe('rucio-gitops publish: integration, production');
    expect(message).toMatch(/\nintegration: \d+ added, 0 changed, 0 removed\n/);
    expect(message).toMatch(/\nproduction: \d+ added, 0 changed, 0 removed\n/);
    expect(message).toContain(
      '  added   Deployment.daemonprod-reaper  (apps/production/daemonprod/Deployment.daemonprod-reaper.k8s.yaml)',
    );
    expect(message).toMatch(/\n {2}… \d+ more\n/);
    expect(message).toContain(`Source-Commit: ${head}\n`);
    expect(message).toContain('Source-Author: Alice Operator <alice@example.org>\n');
    const clone = inspect(remote);
    expect(
      readFileSync(join(clone, 'clusters/production/Kustomization.rucio-app-daemonprod.k8s.yaml'), 'utf8'),
    ).toContain('path: ./apps/production/daemonprod');
    expect(existsSync(join(clone, '.sourceignore'))).toBe(true);
    expect(c.out.join('')).toMatch(/^published [0-9a-f]{12} to /m);
    // publishedRemote(), which the tests below start from, holds this same first publish.
    expect(git(await publishedRemote(), 'rev-parse', 'main^{tree}')).toBe(git(remote, 'rev-parse', 'main^{tree}'));

    const again = capture();
    const second = await publishTo(options(source, remote), again.ctx);
    expect(second.commit).toBeUndefined();
    expect(log(remote, '%H')).toEqual([result.commit]);
    expect(again.out.join('')).toContain('nothing to publish');
  });

  it('changes only what changed, keeps flux-system/ and files it did not generate, says which objects changed', async () => {
    const source = sourceRepo();
    const remote = await publishedRemote();
    // Flux bootstrap and a person add files of their own to the deploy repository.
    const work = inspect(remote);
    identity(work, 'Flux Bootstrap', 'flux@example.org');
    cpSync(join(work, '.sourceignore'), join(work, 'clusters/production/flux-system/gotk-sync.yaml'));
    writeFileSync(
      join(work, 'clusters/production/flux-system/gotk-sync.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bootstrap}\n',
    );
    writeFileSync(join(work, 'README.md'), '# deploy\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'flux bootstrap');
    git(work, 'push', '-q', 'origin', 'main');
    // An operator changes a value and commits it.
    const env = join(source, 'environments/production.yaml');
    writeFileSync(env, readFileSync(env, 'utf8').replace('    undertakerCount: 1\n', '    undertakerCount: 3\n'));
    identity(source, 'Bob Reviewer', 'bob@example.org');
    git(source, 'commit', '-q', '-am', 'more undertakers');
    const result = await publishTo(options(source, remote), capture().ctx);
    const message = git(remote, 'log', '-1', '--format=%B', 'main');
    expect(message.split('\n')[0]).toBe('rucio-gitops publish: production');
    expect(message).toContain('production: 0 added, 1 changed, 0 removed\n  changed Deployment.daemonprod-undertaker');
    expect(message).not.toMatch(/^integration:/m);
    expect(message).toContain('Source-Subject: more undertakers');
    expect(git(remote, 'log', '-1', '--format=%an', 'main').trim()).toBe('Bob Reviewer');
    expect(git(remote, 'diff', '--name-only', `${result.commit}~1`, result.commit!).trim()).toBe(
      'apps/production/daemonprod/Deployment.daemonprod-undertaker.k8s.yaml',
    );
    const clone = inspect(remote);
    expect(readFileSync(join(clone, 'clusters/production/flux-system/gotk-sync.yaml'), 'utf8')).toContain('bootstrap');
    expect(readFileSync(join(clone, 'README.md'), 'utf8')).toBe('# deploy\n');
  });

  it('two publishes started at the same moment both land, nothing lost, nothing forced', async () => {
    const source = sourceRepo();
    // Both start from the same remote state.
    const remote = await publishedRemote(['production']);
    const env = join(source, 'environments/production.yaml');
    writeFileSync(env, readFileSync(env, 'utf8').replace('    undertakerCount: 1\n', '    undertakerCount: 4\n'));
    git(source, 'commit', '-q', '-am', 'more undertakers');
    const [a, b] = await Promise.all([
      publishTo(options(source, remote, { env: ['integration'] }), capture().ctx),
      publishTo(options(source, remote, { env: ['production'] }), capture().ctx),
    ]);
    expect(a.commit).toBeDefined();
    expect(b.commit).toBeDefined();
    const subjects = log(remote, '%s');
    expect(subjects).toHaveLength(3);
    expect(subjects.slice(0, 2).sort()).toEqual([
      'rucio-gitops publish: integration',
      'rucio-gitops publish: production',
    ]);
    expect(a.attempts + b.attempts).toBeGreaterThanOrEqual(2);
    const clone = inspect(remote);
    expect(
      readFileSync(join(clone, 'apps/production/daemonprod/Deployment.daemonprod-undertaker.k8s.yaml'), 'utf8'),
    ).toContain('replicas: 4');
    expect(existsSync(join(clone, 'apps/integration/serverint/Deployment.serverint-rucio-server.k8s.yaml'))).toBe(true);
    // History is linear: each commit's parent is the one before (no force push dropped anything).
    expect(git(remote, 'rev-list', '--count', 'main').trim()).toBe('3');
  });

  it('two publisher processes (the built CLI) against the same remote both land', async () => {
    // The real command line, as CI runs it (`npm test` builds first; build() builds when a source changed since).
    build();
    const source = sourceRepo();
    const remote = await publishedRemote(['production']);
    const env = join(source, 'environments/production.yaml');
    writeFileSync(env, readFileSync(env, 'utf8').replace('    hermesCount: 2\n', '    hermesCount: 3\n'));
    git(source, 'commit', '-q', '-am', 'more hermes');
    const run = (name: string) =>
      new Promise<{ code: number; out: string; err: string }>((ok) => {
        execFile(
          process.execPath,
          [
            join(ROOT, 'bin/rucio-gitops.js'),
            'publish',
            '--repo',
            remote,
            '--env',
            name,
            '--environments',
            join(source, 'environments'),
            '--attempts',
            '8',
          ],
          { cwd: source },
          (e, out, err) => ok({ code: e ? Number(e.code ?? 1) : 0, out, err }),
        );
      });
    const results = await Promise.all([run('integration'), run('production')]);
    for (const r of results) {
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^published [0-9a-f]{12} to /m);
    }
    expect(log(remote, '%s')).toHaveLength(3);
    const clone = inspect(remote);
    expect(
      readFileSync(join(clone, 'apps/production/daemonprod/Deployment.daemonprod-hermes.k8s.yaml'), 'utf8'),
    ).toContain('replicas: 3');
    expect(existsSync(join(clone, 'apps/integration/daemonint'))).toBe(true);
  }, 180_000); // two CLI processes, each a synth and a push: slow on a loaded 2-core machine, not a speed limit

  it('retries a push the remote rejected because it moved meanwhile, and succeeds', async () => {
    const source = sourceRepo();
    const remote = await publishedRemote(['integration']);
    const other = inspect(remote);
    identity(other, 'Someone Else', 'else@example.org');
    const c = capture();
    const result = await publishTo(options(source, remote, { env: ['production'] }), c.ctx, {
      beforePush(attempt) {
        if (attempt === 1) {
          // Another commit lands on the remote between our commit and our push.
          writeFileSync(join(other, 'NOTES.md'), 'moved meanwhile\n');
          git(other, 'add', '-A');
          git(other, 'commit', '-q', '-m', 'a concurrent change');
          git(other, 'push', '-q', 'origin', 'main');
        }
      },
    });
    expect(result.attempts).toBe(2);
    expect(c.err.join('')).toContain(
      'rejected (the remote moved meanwhile): fetching and re-applying (attempt 2 of 5)',
    );
    expect(log(remote, '%s')).toEqual([
      'rucio-gitops publish: production',
      'a concurrent change',
      'rucio-gitops publish: integration',
    ]);
    expect(readFileSync(join(inspect(remote), 'NOTES.md'), 'utf8')).toBe('moved meanwhile\n');
  });

  it('gives up after the bounded attempts when the remote keeps moving, with a clear message, nothing lost', async () => {
    const source = sourceRepo();
    const remote = await publishedRemote(['integration']);
    const other = inspect(remote);
    identity(other, 'Someone Else', 'else@example.org');
    let moves = 0;
    const err = await publishTo(options(source, remote, { env: ['production'], attempts: 3 }), capture().ctx, {
      beforePush() {
        // Someone else lands a commit before every one of our pushes.
        writeFileSync(join(other, 'NOTES.md'), `move ${++moves}\n`);
        git(other, 'add', '-A');
        git(other, 'commit', '-q', '-m', `concurrent change ${moves}`);
        git(other, 'push', '-q', 'origin', 'main');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /could not publish to .* main: the push was rejected 3 times .*\nnothing was forced and the deploy repository is as it was; the local dist\/ is untouched/,
    );
    expect(moves).toBe(3);
    expect(log(remote, '%s')).toEqual([
      'concurrent change 3',
      'concurrent change 2',
      'concurrent change 1',
      'rucio-gitops publish: integration',
    ]);
  });

  it('stops at once, clearly, when the remote declines the push (a hook), the remote as it was', async () => {
    const source = sourceRepo();
    const remote = await publishedRemote(['integration']);
    const before = git(remote, 'rev-parse', 'main').trim();
    writeFileSync(
      join(remote, 'hooks/pre-receive'),
      '#!/bin/sh\necho "protected: pushes go through review" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    let pushes = 0;
    const err = await publishTo(options(source, remote, { env: ['production'] }), capture().ctx, {
      beforePush: () => void pushes++,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^the deploy repository .* declined the push to main: .*\nretrying cannot help .*; the local dist\/ is untouched$/,
    );
    expect(pushes).toBe(1);
    expect(git(remote, 'rev-parse', 'main').trim()).toBe(before);
  });

  it('fails clearly on an unreachable remote, with dist/ intact', async () => {
    const source = sourceRepo();
    const dist = snapshot(join(source, 'dist'));
    for (const repo of [join(tempDir(), 'no-such-repo.git'), 'ssh://git@127.0.0.1:1/rucio/deploy.git']) {
      const err = await publishTo(options(source, repo), capture().ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toContain(`cannot fetch the deploy repository ${repo}:`);
      expect((err as Error).message).toContain('nothing was published; the local dist/ is untouched');
    }
    expect(snapshot(join(source, 'dist'))).toEqual(dist);
  });

  it('refuses uncommitted changes in the environments, dist/ or values/ unless --allow-dirty, which the commit names', async () => {
    const source = sourceRepo();
    const remote = bareRemote();
    const env = join(source, 'environments/production.yaml');
    writeFileSync(env, readFileSync(env, 'utf8').replace('    hermesCount: 2\n', '    hermesCount: 3\n'));
    writeFileSync(join(source, 'environments/NOTES.md'), 'not yet\n');
    let err = await publishTo(options(source, remote), capture().ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^refusing to publish: uncommitted changes in the environments, dist\/ or values\//,
    );
    expect((err as Error).message).toContain(' M environments/production.yaml');
    expect((err as Error).message).toContain('?? environments/NOTES.md');
    expect((err as Error).message).toContain('or pass --allow-dirty');
    expect(git(remote, 'for-each-ref').trim()).toBe('');

    // dist/ counts too: a hand edit of a generated file is refused like an environment edit.
    git(source, 'checkout', '-q', '--', 'environments');
    rmSync(join(source, 'environments/NOTES.md'));
    const generated = join(source, 'dist/clusters/production/Namespace.rucio.k8s.yaml');
    writeFileSync(generated, `${readFileSync(generated, 'utf8')}# edited\n`);
    err = await publishTo(options(source, remote), capture().ctx).catch((e: unknown) => e);
    expect((err as Error).message).toContain(' M dist/clusters/production/Namespace.rucio.k8s.yaml');

    // With --allow-dirty it publishes, and the commit names the source commit and says it was dirty.
    const head = git(source, 'rev-parse', 'HEAD').trim();
    const r = await cli('publish', '--repo', remote, '--environments', join(source, 'environments'), '--allow-dirty');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(git(remote, 'log', '-1', '--format=%B', 'main')).toContain(
      `Source-Commit: ${head} (with uncommitted changes)`,
    );
  });

  it('refuses environments outside a git work tree: the commit could not name its source', async () => {
    const dir = tempDir();
    cpSync(join(ROOT, 'environments'), join(dir, 'environments'), { recursive: true });
    const remote = bareRemote();
    const err = await publishTo(options(dir, remote, { allowDirty: true }), capture().ctx).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^refusing to publish: .* is not in a git work tree with a commit/);
    expect(git(remote, 'for-each-ref').trim()).toBe('');
  });

  it('refuses to publish environments that do not validate', async () => {
    const source = sourceRepo();
    const remote = bareRemote();
    const env = join(source, 'environments/production.yaml');
    writeFileSync(
      env,
      readFileSync(env, 'utf8').replace(
        '    judgeEvaluatorCount: 2\n',
        '    judgeEvaluatorCount: 2\n    reaperCuont: 2\n',
      ),
    );
    const err = await publishTo(options(source, remote), capture().ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^refusing to publish: invalid environment/);
    expect((err as Error).message).toContain('reaperCuont');
    expect(git(remote, 'for-each-ref').trim()).toBe('');
    expect(GENERATED_MARKER.length).toBeGreaterThan(0);
  });
});
