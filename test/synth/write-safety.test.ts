/**
 * Writes stay inside their folder (issue #11, point 2): synth never follows a symlink out of dist/, the `--out` forms
 * do what the user meant or are refused, a FIFO or a mount point is a clear error, and no staging folder is left
 * behind. The deploy clone of `publish` is covered in test/gitops/publish-safety.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyEnvironments, run } from '../checks/helpers.js';
import { BIN, build, snapshot } from '../checks/process.js';

let envs: string;
let base: string;
let fresh: string;
let freshSnapshot: string;
const DEPLOYMENT = 'apps/production/daemonprod/Deployment.daemonprod-reaper.k8s.yaml';

beforeAll(async () => {
  build();
  envs = copyEnvironments();
  base = mkdtempSync(join(tmpdir(), 'rucio-gitops-write-'));
  fresh = join(base, 'fresh');
  const r = await run(['synth', '--environments', envs, '--env', 'production', '--out', fresh]);
  expect(r.code, r.stderr).toBe(0);
  freshSnapshot = snapshot(fresh)!;
}, 120_000);

afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A copy of the fresh tree, to plant things in. */
function tree(name: string): string {
  const out = join(base, name);
  cpSync(fresh, out, { recursive: true });
  return out;
}

/** The CLI as a process in `cwd` (for relative `--out` forms). */
function cli(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

const leftovers = (out: string) => ['.staging', '.previous', '.lock'].filter((s) => existsSync(`${out}${s}`));

describe('symlinks in dist/', () => {
  test('a file symlink where a generated file goes is an error naming it; its target is not written', async () => {
    const out = tree('file-link');
    const victim = join(base, 'victim.txt');
    writeFileSync(victim, 'outside dist, must stay\n');
    rmSync(join(out, DEPLOYMENT));
    symlinkSync(victim, join(out, DEPLOYMENT));
    // A change, so that synth has something to write there.
    const r = await run(['synth', '--environments', envs, '--env', 'production', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${out}/${DEPLOYMENT} is a symlink where synth writes a generated file: synth never follows a symlink out of its tree`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('outside dist, must stay\n');
    expect(readlinkSync(join(out, DEPLOYMENT))).toBe(victim);
    expect(leftovers(out)).toEqual([]);
  });

  test('a folder symlink on the way to generated files is an error; nothing is written through it', async () => {
    const out = tree('dir-link');
    const elsewhere = join(base, 'elsewhere');
    mkdirSync(elsewhere);
    rmSync(join(out, 'apps', 'production'), { recursive: true });
    symlinkSync(elsewhere, join(out, 'apps', 'production'));
    const r = await run(['synth', '--environments', envs, '--env', 'production', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${out}/apps/production is a symlink where synth writes a generated folder`);
    expect(snapshot(elsewhere)).toBe('');
    expect(leftovers(out)).toEqual([]);
  });

  test('a symlink elsewhere in the tree (not where synth writes) is kept as it is, not resolved', async () => {
    const out = tree('kept-link');
    symlinkSync('../README.md', join(out, 'README.md'));
    rmSync(join(out, DEPLOYMENT)); // something to write
    const r = await run(['synth', '--environments', envs, '--env', 'production', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(out, 'README.md')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(out, 'README.md'))).toBe('../README.md');
  });

  test('an output folder that is itself a symlink is refused', async () => {
    const real = tree('real');
    const link = join(base, 'link-out');
    symlinkSync(real, link);
    const r = await run(['synth', '--environments', envs, '--env', 'production', '--out', link]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `--out ${link} is a symlink: synth never follows a symlink out of its tree; pass the folder it points to\n`,
    );
  });
});

describe('--out forms', () => {
  test('dist/ and dist// write dist, as dist does, with no staging folder inside it', () => {
    for (const form of ['dist/', 'dist//']) {
      const cwd = mkdtempSync(join(base, 'cwd-'));
      const r = cli(cwd, ['synth', '--environments', envs, '--env', 'production', '--out', form]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('objects in dist/ (');
      expect(snapshot(join(cwd, 'dist'))).toBe(freshSnapshot);
      expect(leftovers(join(cwd, 'dist'))).toEqual([]);
    }
    // and again, over the existing tree
    const cwd = mkdtempSync(join(base, 'cwd-'));
    cpSync(fresh, join(cwd, 'dist'), { recursive: true });
    const again = cli(cwd, ['synth', '--environments', envs, '--env', 'production', '--out', 'dist//']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 written, 0 removed');
  }, 240_000);

  test('. and .. are refused clearly, and nothing is written', () => {
    const cwd = mkdtempSync(join(base, 'cwd-'));
    for (const form of ['.', './', '..']) {
      const r = cli(cwd, ['synth', '--environments', envs, '--env', 'production', '--out', form]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^--out \.{1,2}\/? is the current folder( or one above it)?: synth replaces its output/);
    }
    expect(snapshot(cwd)).toBe('');
  }, 240_000);
});

describe('special files and mount points', () => {
  test('a FIFO in dist/ is an error naming it, without waiting on it, and leaves no staging folder', () => {
    const out = tree('fifo');
    execFileSync('mkfifo', [join(out, 'pipe')]);
    execFileSync('mkfifo', [join(out, 'apps', 'production', 'daemonprod', 'x.k8s.yaml')]);
    rmSync(join(out, DEPLOYMENT));
    const r = cli(base, ['synth', '--environments', envs, '--env', 'production', '--out', out]);
    expect(r.signal).toBeNull(); // it did not hang until the timeout
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${out}/pipe is a FIFO: synth copies the folder`);
    expect(r.stderr).toContain(`${out}/apps/production/daemonprod/x.k8s.yaml is a FIFO`);
    expect(leftovers(out)).toEqual([]);
    expect(existsSync(join(out, DEPLOYMENT))).toBe(false); // nothing written
  });

  test('a FIFO where a generated file goes is an error too', () => {
    const out = tree('fifo-target');
    rmSync(join(out, DEPLOYMENT));
    execFileSync('mkfifo', [join(out, DEPLOYMENT)]);
    const r = cli(base, ['synth', '--environments', envs, '--env', 'production', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${out}/${DEPLOYMENT} is a FIFO where synth writes a generated file: remove it`);
    expect(leftovers(out)).toEqual([]);
  });

  const canMount = (() => {
    if (process.getuid?.() !== 0) return 'not root';
    const probe = mkdtempSync(join(tmpdir(), 'rucio-gitops-mount-probe-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
      execFileSync('umount', [probe]);
      return undefined;
    } catch (e) {
      return `cannot mount a tmpfs here (${String(e).split('\n')[0]})`;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  })();

  test.skipIf(canMount !== undefined)(
    `a dist/ that is a mount point gets a clear error and no staging folder${canMount ? ` (skipped: ${canMount})` : ''}`,
    () => {
      const out = join(base, 'mounted');
      mkdirSync(out);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', out]);
      try {
        const r = cli(base, ['synth', '--environments', envs, '--env', 'production', '--out', out]);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(
          `${out} is a mount point: synth builds the new tree beside it and swaps it in with a rename, which a mount point does not allow; write to a folder inside it (--out ${out}/manifests)\n`,
        );
        expect(leftovers(out)).toEqual([]);
        // inside it works
        const inside = cli(base, ['synth', '--environments', envs, '--env', 'production', '--out', `${out}/manifests`]);
        expect(inside.code, inside.stderr).toBe(0);
        expect(snapshot(`${out}/manifests`)).toBe(freshSnapshot);
      } finally {
        execFileSync('umount', [out]);
      }
    },
  );
});
