/**
 * Removing an environment is an explicit act: synth refuses to drop the output of an environment whose file is gone
 * (Flux would prune it from the cluster) unless `--remove-environment NAME` says so, and `diff` flags the removal.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, cli, envCopy, readTree, tempDir } from '../helpers.js';

afterAll(cleanup);

describe('synth and a deleted environment file', () => {
  it('refuses, naming the environment and its folders, writes nothing; --remove-environment removes it', async () => {
    const dir = envCopy();
    const out = join(tempDir(), 'dist');
    expect((await cli('synth', '--environments', dir, '--out', out)).code).toBe(0);
    const before = readTree(out);
    rmSync(join(dir, 'integration.yaml'));

    const r = await cli('synth', '--environments', dir, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^refusing to remove the output of environment no longer in the environments folder \(Flux would prune it from the cluster\):\n {2}integration: \d+ files in .*\/dist\/apps\/integration\/, .*\/dist\/clusters\/integration\/, .*\/dist\/infrastructure\/integration\/\npass --remove-environment integration to remove it on purpose, or restore the file; nothing was written\n$/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readTree(out)).toEqual(before);

    // Naming another environment, or one that still exists, is wrong usage.
    expect((await cli('synth', '--environments', dir, '--out', out, '--remove-environment', 'production')).code).toBe(
      2,
    );
    const typo = await cli('synth', '--environments', dir, '--out', out, '--remove-environment', 'integraton');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("has no output of 'integraton'");

    const ok = await cli('synth', '--environments', dir, '--out', out, '--remove-environment', 'integration');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const after = Object.keys(readTree(out));
    expect(after.some((p) => p.includes('/integration/'))).toBe(false);
    expect(after.filter((p) => p.includes('/production/')).length).toBeGreaterThan(0);
    // Once removed, a plain synth has nothing more to refuse.
    expect((await cli('synth', '--environments', dir, '--out', out)).code).toBe(0);
  });

  it('synth --env of the remaining environment leaves the other output alone, and is not refused', async () => {
    const dir = envCopy();
    const out = join(tempDir(), 'dist');
    await cli('synth', '--environments', dir, '--out', out);
    rmSync(join(dir, 'integration.yaml'));
    const r = await cli('synth', '--environments', dir, '--out', out, '--env', 'production');
    expect(r.code).toBe(0);
    expect(Object.keys(readTree(out)).some((p) => p.startsWith('apps/integration/'))).toBe(true);
  });
});
