/**
 * The soak gate of `promote`, against real git repositories whose commits are dated in the past
 * (`GIT_COMMITTER_DATE`): a tag soaks from the last main-branch commit that set it in the source environment.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { capture, cleanup, git, identity, ROOT, snapshot, tempDir } from './helpers.js';

afterAll(cleanup);

const DAY = 86_400_000;
const NEW_TAG = 'release-37.0.0';
const OLD_TAG = 'release-36.2.0';

/** Commits everything with author and committer dates `days` ago. */
function commitAt(dir: string, days: number, message: string, extra: string[] = []): string {
  const date = new Date(Date.now() - days * DAY).toISOString();
  execFileSync('git', ['commit', '-q', '-a', '-m', message, ...extra], {
    cwd: dir,
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  });
  return git(dir, 'rev-parse', 'HEAD').trim();
}

let template: string | undefined;

/**
 * A repository whose environments were committed on main 30 days ago: a copy, history included, of one made once
 * for this file (the tests run within minutes of it, which the day-long soak periods do not notice).
 */
function repo(): string {
  if (template === undefined) {
    template = join(tempDir('rg-soak-template-'), 'source');
    cpSync(join(ROOT, 'environments'), join(template, 'environments'), { recursive: true });
    git(template, 'init', '-q', '-b', 'main');
    identity(template, 'Alice Operator', 'alice@example.org');
    git(template, 'add', '-A');
    commitAt(template, 30, 'environments');
  }
  const dir = join(tempDir('rg-soak-'), 'source');
  cpSync(template, dir, { recursive: true });
  return dir;
}

const INTEGRATION = (dir: string) => join(dir, 'environments', 'integration.yaml');

/** Sets (or with `undefined`, removes) integration's own common image tag. */
function setTag(dir: string, tag: string | undefined): void {
  const file = INTEGRATION(dir);
  const text = readFileSync(file, 'utf8').replace(/^ {2}image: \{tag: [^}]*\}\n/m, '');
  expect(text).toContain('common:\n  config:\n');
  writeFileSync(
    file,
    tag === undefined ? text : text.replace('common:\n  config:\n', `common:\n  image: {tag: ${tag}}\n  config:\n`),
  );
}

async function promote(dir: string, ...args: string[]) {
  const c = capture();
  const code = await main(
    ['promote', '--from', 'integration', '--to', 'production', '--environments', join(dir, 'environments'), ...args],
    c.ctx,
  );
  return { code, out: c.out.join(''), err: c.err.join('') };
}

const productionTag = (dir: string) => readFileSync(join(dir, 'environments', 'production.yaml'), 'utf8');

describe('promote: the soak in integration, from the git history of main', () => {
  it('refuses a tag set 3 days ago, naming the tag, the commit, its date and the time left; writes nothing', async () => {
    const dir = repo();
    setTag(dir, NEW_TAG);
    const commit = commitAt(dir, 3, 'integration: release 37');
    const before = snapshot(dir + '/environments');
    const r = await promote(dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('refusing to promote integration → production: production requires a soak of 7d');
    expect(r.err).toContain(`common.image.tag "${NEW_TAG}" has run in integration for 3d 0h`);
    expect(r.err).toContain(
      `set by commit ${commit.slice(0, 12)} on ${new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10)}`,
    );
    // 4 days left, give or take the minutes the test takes.
    expect(r.err).toMatch(/: 3d 23h 5\dm left|: 4d 0h 0m left/);
    expect(r.err).toContain('--force --reason TEXT');
    expect(r.out).toBe('');
    expect(snapshot(dir + '/environments')).toEqual(before);
  });

  it('accepts a tag set 8 days ago and prints the per-object diff it causes in production', async () => {
    const dir = repo();
    setTag(dir, NEW_TAG);
    const commit = commitAt(dir, 8, 'integration: release 37');
    const r = await promote(dir);
    expect(r.err).toContain(`soak: common.image.tag "${NEW_TAG}" in integration since ${commit.slice(0, 12)}`);
    expect(r.code).toBe(0);
    expect(productionTag(dir)).toContain(`tag: ${NEW_TAG}`);
    // The review of production's objects: every daemon Deployment's image moves.
    expect(r.out).toContain("what this changes in production's objects:");
    expect(r.out).toMatch(/production: 0 added, \d+ changed, 0 removed/);
    expect(r.out).toContain(`[image] Deployment/daemonprod-reaper:`);
    expect(r.out).toContain(`rucio/rucio-daemons:${NEW_TAG}`);
    expect(r.out).toContain('Promoted-From: integration');
    expect(r.out).not.toContain('Soak-Override');
  });

  it('set, reverted, set again: the soak counts from the last time it was set', async () => {
    const dir = repo();
    setTag(dir, NEW_TAG);
    commitAt(dir, 20, 'integration: release 37');
    setTag(dir, undefined);
    commitAt(dir, 12, 'integration: back to 36 (a bug in 37)');
    setTag(dir, NEW_TAG);
    const again = commitAt(dir, 2, 'integration: release 37 again');
    const refused = await promote(dir);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`has run in integration for 2d 0h`);
    expect(refused.err).toContain(`set by commit ${again.slice(0, 12)}`);

    // The same history shifted: set 20 days ago, reverted 15, set again 9 days ago: 9 days count, it passes.
    const older = repo();
    setTag(older, NEW_TAG);
    commitAt(older, 20, 'integration: release 37');
    setTag(older, undefined);
    commitAt(older, 15, 'integration: back to 36');
    setTag(older, NEW_TAG);
    const nine = commitAt(older, 9, 'integration: release 37 again');
    const ok = await promote(older, '--dry-run');
    expect(ok.code).toBe(0);
    expect(ok.err).toContain(`since ${nine.slice(0, 12)}`);
    expect(ok.err).toMatch(/: 9d 0h \d+m of 7d/);
  });

  it('counts from the merge into main, not from the commit on the branch; a tag only on a branch is refused', async () => {
    const dir = repo();
    git(dir, 'checkout', '-q', '-b', 'release-37');
    setTag(dir, NEW_TAG);
    const branchCommit = commitAt(dir, 10, 'integration: release 37');
    // Not on main yet: the working tree runs it, main does not.
    const notYet = await promote(dir);
    expect(notYet.code).toBe(1);
    expect(notYet.err).toContain(
      `common.image.tag "${NEW_TAG}": integration does not run "${NEW_TAG}" on main (main has "${OLD_TAG}")`,
    );
    git(dir, 'checkout', '-q', 'main');
    const date = new Date(Date.now() - 2 * DAY).toISOString();
    execFileSync('git', ['merge', '-q', '--no-ff', '-m', 'merge release-37', 'release-37'], {
      cwd: dir,
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
    const merge = git(dir, 'rev-parse', 'HEAD').trim();
    const r = await promote(dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`set by commit ${merge.slice(0, 12)}`);
    expect(r.err).not.toContain(branchCommit.slice(0, 12));
  });

  it('the target sets its own soak with promotion.soak', async () => {
    const dir = repo();
    const prod = join(dir, 'environments', 'production.yaml');
    writeFileSync(prod, `${readFileSync(prod, 'utf8')}promotion:\n  soak: 36h\n`);
    setTag(dir, NEW_TAG);
    commitAt(dir, 1, 'integration: release 37');
    const r = await promote(dir, '--dry-run');
    expect(r.code).toBe(1);
    expect(r.err).toContain('requires a soak of 36h');
    expect(r.err).toMatch(/: 12h 0m left|: 11h 59m left/);
    writeFileSync(prod, readFileSync(prod, 'utf8').replace('soak: 36h', 'soak: 3 days'));
    const bad = await promote(dir, '--dry-run');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('promotion.soak: expected a duration in whole days or hours, e.g. 7d or 36h');
  });

  it('--force without --reason is a usage error; --force --reason overrides and --commit records it in a trailer', async () => {
    const dir = repo();
    setTag(dir, NEW_TAG);
    commitAt(dir, 3, 'integration: release 37');
    const before = snapshot(dir + '/environments');
    for (const args of [
      ['--force'],
      ['--reason', 'hotfix'],
      ['--force', '--reason', 'two\nlines'],
      ['--force', '--reason', ' '],
    ]) {
      const r = await promote(dir, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/^rucio-gitops promote: --(force needs --reason|reason)/);
    }
    expect(snapshot(dir + '/environments')).toEqual(before);

    const reason = 'CVE-2026-0001 fix: security team sign-off in ticket OPS-42';
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const r = await promote(dir, '--force', '--reason', reason, '--commit', '--out', join(dir, 'dist'));
    expect(r.code).toBe(0);
    expect(r.err).toContain('soak overridden (--force): common.image.tag');
    const commit = git(dir, 'rev-parse', 'HEAD').trim();
    expect(commit).not.toBe(head);
    expect(r.out).toContain(`committed ${commit.slice(0, 12)}`);
    expect(git(dir, 'log', '-1', '--format=%(trailers:key=Soak-Override,valueonly)').trim()).toBe(reason);
    expect(git(dir, 'log', '-1', '--format=%(trailers:key=Promoted-From,valueonly)').trim()).toBe('integration');
    expect(git(dir, 'log', '-1', '--format=%s')).toContain(`promote integration → production: ${NEW_TAG}`);
    // The environment file and the fresh synth, in one commit; nothing left over.
    const files = git(dir, 'show', '--name-only', '--format=', 'HEAD').split('\n');
    expect(files).toContain('environments/production.yaml');
    expect(files).toContain('dist/apps/production/daemonprod/Deployment.daemonprod-reaper.k8s.yaml');
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('outside git the soak cannot be measured: refused unless forced', async () => {
    const dir = join(tempDir('rg-nogit-'), 'x');
    cpSync(join(ROOT, 'environments'), join(dir, 'environments'), { recursive: true });
    setTag(dir, NEW_TAG);
    const r = await promote(dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('is not in a git work tree');
    expect(r.err).toContain('--force --reason TEXT overrides');
  });
});
