/** Shared by the infrastructure tests: environments, rendered files, free ports, bounded waiting, child processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { loadEnvironments, type LoadedEnvironment } from '../../src/load/environments.js';
import { type KubeObject, type RenderedFile } from '../../src/synth/files.js';
import { renderEnvironments } from '../../src/synth/render.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const ENVIRONMENTS = join(ROOT, 'environments');

export function loadEnv(name: string, dir = ENVIRONMENTS): LoadedEnvironment {
  return loadEnvironments(dir, [name])[0]!;
}

/** Every file of the bundled environments, by path. */
export function renderBundled(): Map<string, string> {
  const files: RenderedFile[] = renderEnvironments(loadEnvironments(ENVIRONMENTS));
  return new Map(files.map((f) => [f.path, f.text]));
}

/** A rendered Kubernetes object. */
export function object(files: Map<string, string>, path: string): KubeObject {
  const text = files.get(path);
  if (text === undefined)
    throw new Error(
      `no file ${path}; files: ${[...files.keys()].filter((p) => p.startsWith(path.split('/').slice(0, 3).join('/'))).join(', ')}`,
    );
  return parse(text) as KubeObject;
}

/**
 * A copy of the bundled environments in a temp folder, with `edit` applied to one file's YAML document (so the
 * problems keep their line numbers).
 */
export function editedEnvironments(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'rucio-env-'));
  cpSync(ENVIRONMENTS, dir, { recursive: true });
  const doc = parseDocument(readFileSync(join(dir, file), 'utf8'));
  edit(doc);
  writeFileSync(join(dir, file), doc.toString());
  return dir;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** Polls `check` until it returns a value, at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Child processes started by a test file, killed in afterAll. */
export class Processes {
  private readonly children: ChildProcess[] = [];
  readonly output = new Map<ChildProcess, string>();

  start(cmd: string, args: readonly string[]): ChildProcess {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    this.output.set(child, '');
    const collect = (d: Buffer) => this.output.set(child, (this.output.get(child) ?? '') + d.toString());
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    return child;
  }

  /** Stops one child with SIGTERM and waits for it (SIGKILL after 5 s). */
  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.children.map((c) => this.stop(c)));
  }
}
