/**
 * Shared test helpers: a temporary copy of the bundled environments, main() with captured output, and the checks'
 * worker thread as the command starts it.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { main } from '../../src/cli/main.js';
import { moduleHost, setModuleHost } from '../../src/module-host.js';

export const ROOT = join(import.meta.dirname, '..', '..');

/** The checks' worker as bin/rucio-gitops.js starts it: the compiled bundle (the tests build it first). */
export const SCAN_WORKER = join(ROOT, '.build', 'bundle', 'scan-worker.cjs');

/** Starts the real worker after `patch` (JavaScript run in the worker before it loads, to make it misbehave). */
export function patchedScanWorker(patch: string): (limits: ResourceLimits) => Worker {
  return (limits) =>
    new Worker(`${patch}\nrequire(${JSON.stringify(SCAN_WORKER)});`, { eval: true, resourceLimits: limits });
}

/**
 * Installs a module host whose `startScanWorker` runs `start` (the real worker unless told); counts the workers
 * started. Put the original host back with `setModuleHost` after the test.
 */
export function useScanWorker(
  start: (limits: ResourceLimits) => Worker = (limits) => new Worker(SCAN_WORKER, { resourceLimits: limits }),
): { started: number } {
  const seen = { started: 0 };
  setModuleHost({
    ...moduleHost(),
    startScanWorker: (limits) => {
      seen.started++;
      return start(limits);
    },
  });
  return seen;
}

/** A fresh copy of `environments/` in a temporary folder. */
export function copyEnvironments(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rucio-gitops-env-'));
  cpSync(join(ROOT, 'environments'), dir, { recursive: true });
  return dir;
}

/** Edits a file of a folder with a function of its text. */
export function edit(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process. An exception that escapes main() is returned as code -1 with its stack. */
export async function run(args: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  try {
    const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  } catch (e) {
    return { code: -1, stdout, stderr: stderr + (e instanceof Error ? (e.stack ?? e.message) : String(e)) };
  }
}
