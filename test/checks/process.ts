/** Running the built command line as a real process (the tests build it once). */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './helpers.js';

let built = false;

/**
 * Builds the command (bin/build.js: tsc into .build/, the bundle and its code cache) when a source changed since the
 * last build, once per test file; after `npm test`'s own build it returns at once (a plain `tsc -p` here cost about
 * 5 s of CPU per test file even with nothing to compile, and made the next build bundle again). Test files run in
 * parallel: bin/build.js's own lock keeps two builds from writing .build/ at once.
 */
export function build(): void {
  if (built) return;
  execFileSync(process.execPath, [join(ROOT, 'bin', 'build.js'), '--quiet'], { stdio: 'pipe' });
  built = true;
}

export const BIN = join(ROOT, 'bin', 'rucio-gitops.js');

/** Starts the command; resolves with its exit code or signal and output. */
export function start(
  args: readonly string[],
  env: Record<string, string> = {},
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Every file of a tree with a hash of its content, sorted; `undefined` when the tree does not exist. */
export function snapshot(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(`${relative(dir, full)} ${createHash('sha1').update(readFileSync(full)).digest('hex')}`);
    }
  };
  walk(dir);
  return out.sort().join('\n');
}
