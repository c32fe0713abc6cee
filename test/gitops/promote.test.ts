import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { promote, setInText } from '../../src/cli/promote.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { UserError } from '../../src/load/problems.js';
import { capture, cleanup, ROOT, tempDir } from './helpers.js';

afterAll(cleanup);

/** These folders are not in git, so the soak cannot be measured: the edits are what is tested here (soak.test.ts tests the soak). */
const UNTRACKED = 'the soak is tested in soak.test.ts';

function environments(): string {
  const dir = join(tempDir('rg-promote-'), 'environments');
  cpSync(join(ROOT, 'environments'), dir, { recursive: true });
  return dir;
}

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

const tags = (dir: string, env: string) => {
  const [e] = loadEnvironments(dir, [env]);
  return Object.values(e!.values.daemons).map((d) => (d as { image: { tag: string } }).image.tag);
};

describe('rucio-gitops promote', () => {
  it("promotes integration's image tag to production, keeping production's comments and formatting", async () => {
    const dir = environments();
    edit(
      join(dir, 'integration.yaml'),
      'common:\n  config:\n',
      'common:\n  # the release under test\n  image: {tag: release-37.0.0}\n  config:\n',
    );
    const before = readFileSync(join(dir, 'production.yaml'), 'utf8');
    const c = capture();
    expect(
      await promote(
        { environments: dir, from: 'integration', to: 'production', dryRun: false, forceReason: UNTRACKED },
        c.ctx,
      ),
    ).toBe(0);
    const after = readFileSync(join(dir, 'production.yaml'), 'utf8');
    // Exactly two lines more, everything else byte for byte (all comments included).
    const added = after.split('\n').filter((l) => !before.split('\n').includes(l));
    expect(added).toEqual(['  image:', '    tag: release-37.0.0']);
    expect(after.replace('  image:\n    tag: release-37.0.0\n', '')).toBe(before);
    for (const comment of before.split('\n').filter((l) => l.trimStart().startsWith('#')))
      expect(after).toContain(comment);
    expect(tags(dir, 'production')).toEqual(['release-37.0.0']);
    const out = c.out.join('');
    expect(out).toContain('+  image:\n+    tag: release-37.0.0');
    expect(out).toContain('promoted integration → production: common.image.tag "release-36.2.0" → "release-37.0.0"');

    // Promoting again changes nothing.
    const again = capture();
    await promote(
      { environments: dir, from: 'integration', to: 'production', dryRun: false, forceReason: UNTRACKED },
      again.ctx,
    );
    expect(again.out.join('')).toContain('nothing to promote');
    expect(readFileSync(join(dir, 'production.yaml'), 'utf8')).toBe(after);
  });

  it("a WebUI release's tag is promoted only to an environment that has that WebUI release", async () => {
    const dir = environments();
    edit(
      join(dir, 'integration.yaml'),
      '    fullnameOverride: webuiint\n',
      '    fullnameOverride: webuiint\n    image: {tag: release-37.0.0}\n',
    );
    const before = readFileSync(join(dir, 'production.yaml'), 'utf8');
    const c = capture();
    expect(await promote({ environments: dir, from: 'integration', to: 'production', dryRun: false }, c.ctx)).toBe(0);
    expect(readFileSync(join(dir, 'production.yaml'), 'utf8')).toBe(before);
    expect(c.err.join('')).toContain(
      "note: webui.webuiint.image.tag: production has no WebUI release 'webuiint', not promoted",
    );
  });

  it('replaces an existing pin where it stands, keeping its comment and quoting', async () => {
    const dir = environments();
    edit(
      join(dir, 'integration.yaml'),
      'common:\n  config:\n',
      'common:\n  image:\n    tag: release-37.1.0\n  config:\n',
    );
    edit(
      join(dir, 'production.yaml'),
      'common:\n  config:\n',
      'common:\n  image:\n    tag: "release-36.2.0"  # production pin: changed by promote only\n  config:\n',
    );
    const c = capture();
    await promote(
      { environments: dir, from: 'integration', to: 'production', dryRun: false, forceReason: UNTRACKED },
      c.ctx,
    );
    expect(readFileSync(join(dir, 'production.yaml'), 'utf8')).toContain(
      'common:\n  image:\n    tag: "release-37.1.0"  # production pin: changed by promote only\n  config:\n',
    );
  });

  it('--dry-run prints the diff and writes nothing; per-release pins without a counterpart are reported', async () => {
    const dir = environments();
    edit(
      join(dir, 'integration.yaml'),
      'common:\n  config:\n',
      'common:\n  image:\n    tag: release-37.1.0\n  config:\n',
    );
    edit(
      join(dir, 'production.yaml'),
      '    fullnameOverride: daemonprod\n',
      '    fullnameOverride: daemonprod\n    image:\n      tag: release-36.1.0\n',
    );
    const before = readFileSync(join(dir, 'production.yaml'), 'utf8');
    const c = capture();
    await promote(
      { environments: dir, from: 'integration', to: 'production', dryRun: true, forceReason: UNTRACKED },
      c.ctx,
    );
    expect(readFileSync(join(dir, 'production.yaml'), 'utf8')).toBe(before);
    expect(c.out.join('')).toContain('would promote integration → production');
    expect(c.err.join('')).toContain(
      'note: daemons.daemonprod.image.tag: production pins "release-36.1.0" for this release itself',
    );
  });

  it('refuses when either environment does not validate', async () => {
    const dir = environments();
    edit(
      join(dir, 'integration.yaml'),
      'common:\n  config:\n',
      'common:\n  image:\n    tga: release-37.1.0\n  config:\n',
    );
    const before = readFileSync(join(dir, 'production.yaml'), 'utf8');
    const err = await promote(
      { environments: dir, from: 'integration', to: 'production', dryRun: false, forceReason: UNTRACKED },
      capture().ctx,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^refusing to promote: invalid environment/);
    expect((err as Error).message).toContain('common.image.tga');
    expect(readFileSync(join(dir, 'production.yaml'), 'utf8')).toBe(before);
  });

  it("promotes a release's own pin to the target's release of the same name; inserts missing keys in place", async () => {
    const dir = environments();
    // production also runs a release named daemonint: integration's own pin for it is promoted.
    edit(
      join(dir, 'production.yaml'),
      'daemons:\n  daemonprod:\n',
      'daemons:\n  daemonint:\n    image:\n      tag: release-36.2.0\n  daemonprod:\n',
    );
    edit(
      join(dir, 'integration.yaml'),
      '    fullnameOverride: daemonint\n',
      '    fullnameOverride: daemonint\n    image:\n      tag: release-37.0.0\n',
    );
    const c = capture();
    await promote(
      { environments: dir, from: 'integration', to: 'production', dryRun: false, forceReason: UNTRACKED },
      c.ctx,
    );
    expect(readFileSync(join(dir, 'production.yaml'), 'utf8')).toContain(
      '  daemonint:\n    image:\n      tag: release-37.0.0\n',
    );
    expect(setInText('a: 1\n', ['b', 'c'], 'x')).toBe('a: 1\nb:\n  c: x\n');
    expect(setInText('a:\n  # keep\n  d: 1\n', ['a', 'c'], '1.0')).toBe('a:\n  # keep\n  c: "1.0"\n  d: 1\n');
  });
});
