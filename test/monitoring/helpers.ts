/** Shared helpers of the monitoring tests: load and build environments, find objects, run promtool. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironments, type LoadedEnvironment } from '../../src/load/environments.js';
import { UserError } from '../../src/load/problems.js';
import { type KubeObject, type RenderedFolder } from '../../src/synth/files.js';
import { buildEnvironment } from '../../src/synth/render.js';

export const ENVIRONMENTS = join(import.meta.dirname, '../../environments');

/** The bundled environment of that name. */
export function bundled(name: string): LoadedEnvironment {
  return loadEnvironments(ENVIRONMENTS, [name])[0]!;
}

/** Writes environment files (name → YAML text) to a fresh folder and loads one of them. */
export function loadFrom(files: Record<string, string>, name: string): LoadedEnvironment {
  const dir = mkdtempSync(join(tmpdir(), 'rucio-mon-env-'));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, `${file}.yaml`), text);
  return loadEnvironments(dir, [name])[0]!;
}

/** The problems a set of environment files produces (formatted), or [] when they load. */
export function problemsOf(files: Record<string, string>, name: string): string[] {
  try {
    buildEnvironment(loadFrom(files, name));
    return [];
  } catch (e) {
    if (e instanceof UserError) return e.problems.map((p) => p.format());
    throw e;
  }
}

/** Every object of some folders, with its folder. */
export function objects(folders: readonly RenderedFolder[]): (KubeObject & { folder: string })[] {
  return folders.flatMap((f) => f.objects.map((o) => ({ ...o, folder: f.folder })));
}

export function find(folders: readonly RenderedFolder[], kind: string, name: string): KubeObject & { folder: string } {
  const o = objects(folders).find((x) => x.kind === kind && x.metadata.name === name);
  if (!o)
    throw new Error(
      `no ${kind} ${name}; have ${objects(folders)
        .map((x) => `${x.kind}/${x.metadata.name}`)
        .join(', ')}`,
    );
  return o;
}

/** A temporary folder. */
export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs promtool; returns its exit status and output (throws when promtool could not run, never on a non-zero exit). */
export function promtool(args: readonly string[], cwd: string): { status: number; output: string } {
  try {
    const out = execFileSync('promtool', [...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, output: out };
  } catch (e) {
    const err = e as { status?: number | null; stdout?: string; stderr?: string };
    // promtool that could not run (ENOENT) or was killed is no verdict: a counter-test must not pass without it.
    if (typeof err.status !== 'number') throw e;
    return { status: err.status, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** A minimal shared layer plus an environment (YAML text). */
export function envFiles(body: string, name = 'test'): Record<string, string> {
  return {
    _base: 'namespace: rucio\ncommon:\n  image: {tag: release-36.2.0}\n',
    [name]: `name: ${name}\nextends: _base\n${body}`,
  };
}
