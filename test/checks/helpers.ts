/** Shared test helpers: a temporary copy of the bundled environments, and main() with captured output. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

export const ROOT = join(import.meta.dirname, '..', '..');

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
