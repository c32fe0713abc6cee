/**
 * Test helpers: temporary environment folders, building one release's objects, running the CLI in process.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, Chart } from 'cdk8s';
import { rucioDaemonsSchema } from '../values/rucio-daemons.js';
import { rucioServerSchema } from '../values/rucio-server.js';
import { RucioDaemons } from '../constructs/rucio/rucio-daemons.js';
import { RucioServer } from '../constructs/rucio/rucio-server.js';
import { main } from '../src/cli/main.js';

export const REPO = join(import.meta.dirname, '..');
export const ENVIRONMENTS = join(REPO, 'environments');

/** A Kubernetes object as synthesized, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = any;

const temps: string[] = [];

/** A temporary folder, removed by `cleanup()`. */
export function tempDir(prefix = 'rucio-gitops-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A copy of the bundled environments, with some files replaced or edited. */
export function envCopy(edits: Record<string, string | ((text: string) => string)> = {}): string {
  const dir = tempDir();
  cpSync(ENVIRONMENTS, dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(dir, file);
    const text = typeof edit === 'string' ? edit : edit(readFileSync(path, 'utf8'));
    writeFileSync(path, text);
  }
  return dir;
}

/** Replaces exactly one occurrence of `from`, failing loudly when the fixture text moved. */
export function replaceOnce(text: string, from: string, to: string): string {
  const i = text.indexOf(from);
  if (i < 0 || text.indexOf(from, i + 1) >= 0) throw new Error(`fixture text not found exactly once: ${from}`);
  return text.slice(0, i) + to + text.slice(i + from.length);
}

/** The objects of one daemons release built from raw chart values. */
export function daemonsObjects(values: unknown, release = 'daemons'): Obj[] {
  const chart = new Chart(new App({ outdir: '/nonexistent' }), 'test', {
    namespace: 'rucio',
    disableResourceNameHashes: true,
  });
  new RucioDaemons(chart, 'Release', { release, values: rucioDaemonsSchema.parse(values) as never });
  return chart.toJson();
}

/** The objects of one server release built from raw chart values. */
export function serverObjects(values: unknown, release = 'server'): Obj[] {
  const chart = new Chart(new App({ outdir: '/nonexistent' }), 'test', {
    namespace: 'rucio',
    disableResourceNameHashes: true,
  });
  new RucioServer(chart, 'Release', { release, values: rucioServerSchema.parse(values) });
  return chart.toJson();
}

export function find(objects: Obj[], kind: string, name: string): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

export function envOf(container: Obj): Record<string, Obj> {
  return Object.fromEntries((container.env ?? []).map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
}

/** Runs the CLI in process. */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Every file under a folder with its text, keyed by relative path. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}
