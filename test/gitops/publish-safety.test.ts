/**
 * publish against hostile and unlucky deploy repositories (issue #11): a manifest turned into a symlink is never
 * written through; after a rejected push, publish re-applies only its own change on the new remote state, so it never
 * reverts another publisher (different environments, the same environment); a full disk is a one-line error; a
 * killed publish's temporary clone is removed by the next one. Real git repositories and bare remotes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publishTo, removeLeftoverClones, type PublishOptions } from '../../src/cli/publish.js';
import { UserError } from '../../src/load/problems.js';
import { build } from '../checks/process.js';
import { bareRemote, capture, cleanup, git, identity, publishedRemote, ROOT, sourceRepo, tempDir } from './helpers.js';

afterAll(cleanup);

function options(source: string, remote: string, extra: Partial<PublishOptions> = {}): PublishOptions {
  return { environments: join(source, 'environments'), repo: remote, branch: 'main', attempts: 5, ...extra };
}

function inspect(remote: string): string {
  const dir = join(tempDir('rg-inspect-'), 'clone');
  git(tempDir(), 'clone', '-q', '-b', 'main', remote, dir);
  return dir;
}

const MINOS = 'apps/production/daemonprod/Deployment.daemonprod-minos.k8s.yaml';
const UNDERTAKER = 'apps/production/daemonprod/Deployment.daemonprod-undertaker.k8s.yaml';
const JUDGE = 'apps/integration/daemonint/Deployment.daemonint-judge-cleaner.k8s.yaml';

/** A second source repository (another operator's checkout) with one edit to an environment file, committed. */
function sourceWith(file: string, from: string, to: string): string {
  const source = sourceRepo();
  const path = join(source, 'environments', file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`'${from}' not in ${file}`);
  writeFileSync(path, text.replace(from, to));
  git(source, 'commit', '-q', '-am', `edit ${file}`);
  return source;
}

describe('symlinks in the deploy clone', () => {
  it('a manifest committed as a symlink is refused, naming it; the file it points to is not written', async () => {
    const remote = await publishedRemote();
    // Someone commits the minos daemon's manifest as a symlink to a file outside the clone.
    const victim = join(tempDir('rg-victim-'), 'victim.txt');
    writeFileSync(victim, 'outside the clone\n');
    const other = inspect(remote);
    identity(other, 'Mallory', 'mallory@example.org');
    rmSync(join(other, MINOS));
    symlinkSync(victim, join(other, MINOS));
    git(other, 'add', '-A');
    git(other, 'commit', '-q', '-m', 'a symlink');
    git(other, 'push', '-q', 'origin', 'main');
    const head = git(remote, 'rev-parse', 'main').trim();

    const changed = sourceWith('production.yaml', '    minos:\n      threads: 5\n', '    minos:\n      threads: 9\n');
    const err = await publishTo(options(changed, remote), capture().ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(
      `<deploy repository>/${MINOS} is a symlink where synth writes a generated file: synth never follows a symlink out of its tree`,
    );
    expect((err as Error).message).toContain('nothing was published');
    expect(readFileSync(victim, 'utf8')).toBe('outside the clone\n');
    expect(git(remote, 'rev-parse', 'main').trim()).toBe(head);
  });
});

describe('after a rejected push, only its own change', () => {
  it('different environments: neither publisher reverts the other', async () => {
    const remote = await publishedRemote();
    // Alice changes production, Bob changes integration; both publish every environment from their own checkout.
    const alice = sourceWith('production.yaml', '    undertakerCount: 1\n', '    undertakerCount: 3\n');
    const bob = sourceWith(
      'integration.yaml',
      '    judgeCleaner:\n      threads: 1\n',
      '    judgeCleaner:\n      threads: 3\n',
    );
    const c = capture();
    const result = await publishTo(options(alice, remote), c.ctx, {
      async beforePush(attempt) {
        // Bob's publish lands between Alice's commit and her push.
        if (attempt === 1) await publishTo(options(bob, remote), capture().ctx);
      },
    });
    expect(result.attempts).toBe(2);
    const clone = inspect(remote);
    expect(readFileSync(join(clone, UNDERTAKER), 'utf8')).toContain('replicas: 3'); // Alice's
    expect(readFileSync(join(clone, JUDGE), 'utf8')).toContain('--threads 3'); // Bob's, kept
    // Alice's commit touches production only.
    const files = git(remote, 'show', '--name-only', '--format=', 'main').trim().split('\n');
    expect(
      files.every((f) => f.startsWith('apps/production/')),
      files.join('\n'),
    ).toBe(true);
    expect(git(remote, 'log', '--format=%an', 'main').trim().split('\n').length).toBe(3);
  });

  it('the same environment, the same change: nothing to publish twice', async () => {
    const remote = await publishedRemote();
    const alice = sourceWith('production.yaml', '    undertakerCount: 1\n', '    undertakerCount: 3\n');
    const bob = sourceWith('production.yaml', '    undertakerCount: 1\n', '    undertakerCount: 3\n');
    const c = capture();
    const result = await publishTo(options(alice, remote), c.ctx, {
      async beforePush(attempt) {
        if (attempt === 1) await publishTo(options(bob, remote), capture().ctx);
      },
    });
    // The remote holds the change once. Alice's retry finds nothing to publish; or, when both commits were made in
    // the same second, hers is byte for byte Bob's (same tree, parent, message, author and time), so her push is a
    // no-op of the commit already there.
    expect(git(remote, 'rev-list', '--count', 'main').trim()).toBe('2');
    if (result.commit === undefined) expect(c.out.join('')).toContain('nothing to publish');
    else expect(result.commit).toBe(git(remote, 'rev-parse', 'main').trim());
  });

  it('the same environment, different changes to the same file: stops and says why, reverting nothing', async () => {
    const remote = await publishedRemote();
    const alice = sourceWith('production.yaml', '    undertakerCount: 1\n', '    undertakerCount: 3\n');
    const bob = sourceWith('production.yaml', '    undertakerCount: 1\n', '    undertakerCount: 4\n');
    const err = await publishTo(options(alice, remote), capture().ctx, {
      async beforePush(attempt) {
        if (attempt === 1) await publishTo(options(bob, remote), capture().ctx);
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain(
      'another publish changed 1 of the files this one changes, differently, since this one started:',
    );
    expect((err as Error).message).toContain(`  ${UNDERTAKER}`);
    expect((err as Error).message).toContain('nothing was pushed and nothing of theirs was undone');
    expect(readFileSync(join(inspect(remote), UNDERTAKER), 'utf8')).toContain('replicas: 4'); // Bob's stays
  });

  it('the same environment, different files: both changes land', async () => {
    const remote = await publishedRemote();
    const alice = sourceWith('production.yaml', '    undertakerCount: 1\n', '    undertakerCount: 3\n');
    const bob = sourceWith('production.yaml', '    minos:\n      threads: 5\n', '    minos:\n      threads: 7\n');
    await publishTo(options(alice, remote), capture().ctx, {
      async beforePush(attempt) {
        if (attempt === 1) await publishTo(options(bob, remote), capture().ctx);
      },
    });
    const clone = inspect(remote);
    expect(readFileSync(join(clone, UNDERTAKER), 'utf8')).toContain('replicas: 3');
    expect(readFileSync(join(clone, MINOS), 'utf8')).toContain('--threads 7');
  });
});

describe('faults', () => {
  const canMount = (() => {
    if (process.getuid?.() !== 0) return 'not root';
    const probe = tempDir('rg-mount-probe-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
      execFileSync('umount', [probe]);
      return undefined;
    } catch (e) {
      return `cannot mount a tmpfs here (${String(e).split('\n')[0]})`;
    }
  })();

  it.skipIf(canMount !== undefined)(
    `a full disk during publish is a one-line error; nothing pushed${canMount ? ` (skipped: ${canMount})` : ''}`,
    async () => {
      const source = sourceRepo();
      const remote = bareRemote();
      // A 300 KiB file system as the temporary folder: the clone fits, the manifests (about 1 MB) do not.
      const small = tempDir('rg-full-');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=300k', 'tmpfs', small]);
      const saved = process.env.TMPDIR;
      process.env.TMPDIR = small;
      try {
        const err = await publishTo(options(source, remote), capture().ctx).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UserError);
        expect((err as Error).message).toMatch(
          /^no space left on the device while publishing \(in .*\): nothing was pushed/,
        );
        expect((err as Error).message.split('\n')).toHaveLength(1);
        expect(git(remote, 'rev-list', '--all', '--count').trim()).toBe('0');
        expect(readdirSync(small)).toEqual([]); // its clone removed
      } finally {
        if (saved === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = saved;
        execFileSync('umount', [small]);
      }
    },
  );

  it('a killed publish leaves its temporary clone behind only until the next publish', async () => {
    build();
    const source = sourceRepo();
    const remote = bareRemote();
    const tmp = tempDir('rg-tmp-');
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/rucio-gitops.js'), 'publish', '--repo', remote, '--environments', join(source, 'environments')],
      { env: { ...process.env, TMPDIR: tmp }, stdio: 'ignore' },
    );
    const exited = new Promise((ok) => child.on('exit', ok));
    // Killed once its clone exists.
    const deadline = Date.now() + 60_000;
    while (!readdirSync(tmp).some((e) => existsSync(join(tmp, e, 'deploy', '.git'))) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const left = readdirSync(tmp).filter((e) => e.startsWith('rucio-gitops-publish-'));
    expect(left).toHaveLength(1);
    // A clone of a publish that still runs is not touched.
    const alive = join(tmp, 'rucio-gitops-publish-alive');
    mkdirSync(alive);
    writeFileSync(join(alive, 'owner'), `${process.pid}\n`);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      await publishTo(options(source, remote), capture().ctx);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(readdirSync(tmp).sort()).toEqual(['rucio-gitops-publish-alive']);
    expect(removeLeftoverClones(tmp)).toEqual([]);
  }, 240_000);
});
