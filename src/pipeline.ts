/**
 * The pipeline every command runs: load the environment files → plan each one (`plan/`) → render them into files
 * (`synth/`) → check every object (`checks/`) → write the tree (`synth/write.ts`). The commands (`cli/`) only parse options, call these
 * stages and print; nothing here parses a command line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { reportChecks, runChecks, type CheckOptions } from './checks/index.js';
import { localQueue, startScanQueue, type ScanQueue } from './checks/scan-pool.js';
import { listEnvironments, loadEnvironments, type LoadedEnvironment } from './load/environments.js';
import { UsageError, UserError } from './load/problems.js';
import { prerequisites, type EnvironmentPrerequisites } from './prerequisites/prerequisites.js';
import { renderEnvironments } from './synth/render.js';
import { releaseFile, type RenderedFile } from './synth/files.js';
import { failureError } from './synth/staged-file.js';
import {
  generatedFiles,
  openTree,
  outputFolder,
  unsafePaths,
  writeInPlace,
  writeTree,
  type Scope,
  type TreeWriter,
  type WriteResult,
} from './synth/write.js';
import { mark } from './timings.js';

export { outputFolder, unsafePaths, writeInPlace };

/** Which environments a command reads. */
export interface EnvOptions {
  /** The folder of the environment files. */
  readonly environments: string;
  /** Only these environments (all when empty or undefined). */
  readonly env?: readonly string[];
}

/** Where the checks' report goes: what they applied (waivers, declarations) on stdout, warnings on stderr. */
export interface Report {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The environments loaded and every file they render to, checked. */
export interface Synthesis {
  readonly envs: readonly LoadedEnvironment[];
  readonly files: readonly RenderedFile[];
}

/** What takes the checked files of `synthesize` (see `CheckOptions`). */
type Receiver = Required<Pick<CheckOptions, 'checked'>> & Pick<CheckOptions, 'delegate'>;

/** From this many files a run uses the checks' worker thread. */
const WORKER_FILES = 1500;

/**
 * Loads, renders and checks the objects (schemas, policy, secrets); throws UserError with every problem. `out` is the
 * output folder the checks name in their messages.
 */
export async function synthesize(
  options: EnvOptions,
  report: Report,
  out = 'dist',
  receiver?: (synthesis: Synthesis) => Receiver,
): Promise<Synthesis> {
  mark('start');
  let scans: ScanQueue | undefined;
  try {
    const envs = loadEnvironments(options.environments, options.env);
    mark('load');
    const files = renderEnvironments(envs);
    mark('render');
    // A large run makes the YAML text and runs the credential scans in a worker thread (see scan-pool.ts); a small one
    // is done sooner in this thread, whose code is compiled already (measured: 167 and 642 files ~5 % slower with the
    // worker, 2,500 files ~15 % faster).
    scans = files.length >= WORKER_FILES ? startScanQueue() : localQueue();
    const partial = listEnvironments(options.environments).some((name) => !envs.some((e) => e.name === name));
    const receive = receiver?.({ envs, files });
    reportChecks(
      await runChecks(envs, files, { out, partial, checked: receive?.checked, delegate: receive?.delegate, scans }),
      report.stdout,
      report.stderr,
    );
    mark('checks');
    return { envs, files };
  } finally {
    // A failed run must not swap or remove its tree while the worker may still write into it.
    await scans?.close();
  }
}

/**
 * Synthesizes into `out` file by file: each file is written (into the new tree, see `synth/write.ts`) as soon as its
 * checks ran, and its text dropped, so that a large environment's output is never held whole; the new tree is swapped
 * in only when every check passed, else nothing changes. What `writeOutput` does with the files of `synthesize`, with
 * less memory.
 */
export async function synthesizeInto(
  options: EnvOptions & { readonly removeEnvironment?: readonly string[] },
  report: Report,
  out: string,
): Promise<Synthesis & { readonly result: WriteResult }> {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UserError(`${out} is not a folder: pass --out DIR`);
  let writer: TreeWriter | undefined;
  const writing = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw writeError(out, e);
    }
  };
  try {
    const synthesis = await synthesize(options, report, out, (rendered) => {
      const scope = scopeOf(options, rendered);
      guardRemovedEnvironments(out, rendered.files, scope, options.removeEnvironment ?? []);
      const open = writing(() =>
        openTree(
          out,
          rendered.files.map((f) => f.path),
          scope,
          { background: true },
        ),
      );
      writer = open;
      return {
        // The worker writes the files whose text it makes (into the staging folder, once it holds the current tree),
        // so that their text does not come back to this thread: at 200 releases in one environment ~7 % faster.
        delegate: (path) => writing(() => open.delegate(path)),
        checked: (file, written) => {
          if (written === undefined) writing(() => open.put(file.path, file.text));
          else if (typeof written === 'string') open.record(file.path, written);
          else throw writeError(out, failureError(written));
          releaseFile(file);
        },
      };
    });
    await writer!.settled();
    const result = writing(() => writer!.finish());
    mark('write');
    return { ...synthesis, result };
  } finally {
    if (writer !== undefined) {
      await writer.settled();
      writer.abort();
    }
  }
}

/** A file system error while writing `out` as a UserError; anything else as it is. */
function writeError(out: string, e: unknown): unknown {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== 'string') return e;
  return new UserError(
    `cannot write ${out}/ (${err.code}${err.path ? ` at ${err.path}` : ''}); the previous tree is kept, and the next synth cleans up`,
  );
}

/**
 * What must exist in the cluster before Flux applies each environment (`prerequisites/`), from its synthesized and
 * checked objects. The checks' listings (waivers, declarations) are not printed; their failures throw as in synth.
 */
export async function prerequisitesOf(
  options: EnvOptions,
  report: Pick<Report, 'stderr'>,
): Promise<EnvironmentPrerequisites[]> {
  const { files } = await synthesize(options, { stdout: () => {}, stderr: report.stderr });
  return prerequisites(files);
}

/** The generated files a synthesis owns in an output folder: all of them, or only the selected environments'. */
export function scopeOf(options: EnvOptions, synthesis: Synthesis): Scope {
  return {
    environments: options.env && options.env.length > 0 ? synthesis.envs.map((e) => e.name) : undefined,
  };
}

/** Fails (UserError, listing the files) when `out` is not exactly what the synthesis writes there. */
export function checkTree(out: string, files: readonly RenderedFile[], scope: Scope): void {
  const wanted = new Map(files.map((f) => [f.path, f.text]));
  const stale = generatedFiles(out, scope).filter((p) => !wanted.has(p));
  const differ = files
    .filter((f) => !existsSync(join(out, f.path)) || readFileSync(join(out, f.path), 'utf8') !== f.text)
    .map((f) => f.path);
  if (stale.length + differ.length > 0) {
    const lines = [...differ.map((p) => `  changed  ${out}/${p}`), ...stale.map((p) => `  removed  ${out}/${p}`)];
    throw new UserError(
      `${out}/ is not what synth produces (${lines.length} file${lines.length === 1 ? '' : 's'}); run 'rucio-gitops synth' and commit the result:\n${lines.join('\n')}`,
    );
  }
}

/** The environment an output path belongs to (`apps/<env>/…`, `infrastructure/<env>/…`, `clusters/<env>/…`). */
function environmentOfPath(path: string): string | undefined {
  const [top, env, ...rest] = path.split('/');
  return top && env && rest.length > 0 && ['apps', 'infrastructure', 'clusters'].includes(top) ? env : undefined;
}

/**
 * Refuses to remove the whole output of an environment that is no longer synthesized (its file was deleted or
 * renamed), since Flux would then prune it from the cluster, unless `remove` names it. A name in `remove` that has no
 * output to remove, or that is still an environment, is a usage error.
 */
function guardRemovedEnvironments(
  out: string,
  files: readonly RenderedFile[],
  scope: Scope,
  remove: readonly string[],
): void {
  const kept = new Set(files.map((f) => environmentOfPath(f.path)).filter((e) => e !== undefined));
  const dropped = new Map<string, string[]>();
  for (const p of generatedFiles(out, scope)) {
    const env = environmentOfPath(p);
    if (env === undefined || kept.has(env)) continue;
    dropped.set(env, [...(dropped.get(env) ?? []), p]);
  }
  for (const name of remove) {
    if (kept.has(name))
      throw new UsageError(`--remove-environment ${name}: '${name}' is still an environment; delete its file first`);
    if (!dropped.has(name)) throw new UsageError(`--remove-environment ${name}: ${out}/ has no output of '${name}'`);
  }
  const refused = [...dropped.keys()].filter((e) => !remove.includes(e)).sort();
  if (refused.length === 0) return;
  const lines = refused.map((env) => {
    const folders = [...new Set(dropped.get(env)!.map((p) => p.split('/').slice(0, 2).join('/')))].sort();
    return `  ${env}: ${dropped.get(env)!.length} files in ${folders.map((f) => `${out}/${f}/`).join(', ')}`;
  });
  throw new UserError(
    `refusing to remove the output of environment${refused.length === 1 ? '' : 's'} no longer in the environments folder (Flux would prune ${refused.length === 1 ? 'it' : 'them'} from the cluster):\n${lines.join('\n')}\n` +
      `pass ${refused.map((e) => `--remove-environment ${e}`).join(' ')} to remove ${refused.length === 1 ? 'it' : 'them'} on purpose, or restore the file; nothing was written`,
  );
}

/** Writes the files into `out` atomically (see `synth/write.ts`); a file system error is a UserError. */
export function writeOutput(out: string, files: readonly RenderedFile[], scope: Scope): WriteResult {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UserError(`${out} is not a folder: pass --out DIR`);
  try {
    return writeTree(out, files, scope);
  } catch (e) {
    throw writeError(out, e);
  }
}
