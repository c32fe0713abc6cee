/**
 * Writes the output tree atomically: the new tree is built beside the old one and swapped in with renames, so a synth
 * that is killed half way leaves the old tree as it was. Only files that synth generated (they carry the marker) are
 * removed; anything else in the folder (Flux's `flux-system/`, a README) is kept.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { GENERATED_MARKER, type RenderedFile } from './files.js';

/** What a write changed. */
export interface WriteResult {
  readonly written: string[];
  readonly removed: string[];
  readonly unchanged: number;
}

/** Which generated files a synth owns: all of them, or those of some environments. */
export interface Scope {
  /** The environments synthesized; `undefined` means all, so files of environments that no longer exist go too. */
  readonly environments?: readonly string[];
}

function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'flux-system') continue;
      out.push(...walk(full, base));
    } else if (entry.isFile()) {
      out.push(relative(base, full).split(sep).join('/'));
    }
  }
  return out.sort();
}

function isGenerated(file: string): boolean {
  try {
    const head = readFileSync(file, 'utf8').slice(0, GENERATED_MARKER.length);
    return head === GENERATED_MARKER;
  } catch {
    return false;
  }
}

function inScope(path: string, scope: Scope): boolean {
  if (scope.environments === undefined) return true;
  const env = path.split('/')[1];
  return env !== undefined && scope.environments.includes(env);
}

/** The generated files currently in `out` that the scope owns. */
export function generatedFiles(out: string, scope: Scope): string[] {
  return walk(out).filter((p) => inScope(p, scope) && isGenerated(join(out, p)));
}

function removeEmptyDirs(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory()) removeEmptyDirs(join(dir, entry.name));
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

/** Puts a tree back after a synth that was stopped between its two renames. */
export function recover(out: string): void {
  const previous = `${out}.previous`;
  if (!existsSync(out) && existsSync(previous)) renameSync(previous, out);
  else if (existsSync(previous)) rmSync(previous, { recursive: true, force: true });
  rmSync(`${out}.staging`, { recursive: true, force: true });
}

/** Writes `files` into `out`, removing generated files of the scope that are no longer produced. */
export function writeTree(out: string, files: readonly RenderedFile[], scope: Scope): WriteResult {
  recover(out);
  const staging = `${out}.staging`;
  const wanted = new Map(files.map((f) => [f.path, f.text]));
  const stale = generatedFiles(out, scope).filter((p) => !wanted.has(p));
  const written: string[] = [];
  let unchanged = 0;
  for (const f of files) {
    const target = join(out, f.path);
    if (existsSync(target) && readFileSync(target, 'utf8') === f.text) unchanged++;
    else written.push(f.path);
  }
  if (written.length === 0 && stale.length === 0) return { written, removed: [], unchanged };

  if (existsSync(out)) cpSync(out, staging, { recursive: true });
  else mkdirSync(staging, { recursive: true });
  for (const p of stale) rmSync(join(staging, p), { force: true });
  const made = new Set<string>();
  for (const p of written) {
    const target = join(staging, p);
    const dir = dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(target, wanted.get(p)!);
  }
  removeEmptyDirs(staging);
  mkdirSync(staging, { recursive: true });
  pauseForTests();
  const previous = `${out}.previous`;
  if (existsSync(out)) renameSync(out, previous);
  renameSync(staging, out);
  rmSync(previous, { recursive: true, force: true });
  return { written, removed: stale, unchanged };
}

/**
 * Test hook: with `RUCIO_GITOPS_TEST_PAUSE_BEFORE_SWAP=<ms>`, says so on stderr and sleeps between building the new tree
 * and swapping it in, so that a test can kill synth at the worst moment deterministically.
 */
function pauseForTests(): void {
  const ms = Number(process.env.RUCIO_GITOPS_TEST_PAUSE_BEFORE_SWAP ?? 0);
  if (!(ms > 0)) return;
  process.stderr.write('rucio-gitops: paused before swap\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
