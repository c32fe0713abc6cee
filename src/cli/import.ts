/**
 * `import`: turns Helm values files and Flux HelmReleases into an environment file (the work is in `src/import/`),
 * writes it, and validates it like synth does, saying what is left to do when it does not synthesize yet.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { formatReport, importEnvironment, type ImportOptions } from '../import/import.js';
import { UsageError, UserError } from '../load/problems.js';
import { synthesize } from '../pipeline.js';
import type { Output } from './context.js';

export interface ImportCommandOptions extends ImportOptions {
  readonly out: string;
  readonly force: boolean;
}

/** Runs the import; exit 0 when the written environment validates, 1 (with what is left to do) when it does not. */
export async function importCommand(options: ImportCommandOptions, ctx: Output): Promise<number> {
  if (basename(options.out) !== `${options.name}.yaml`)
    throw new UsageError(`--out must be a file named ${options.name}.yaml (an environment's file is named after it)`);
  if (existsSync(options.out) && !options.force)
    throw new UserError(`${options.out} exists: import writes a new environment file (pass --force to replace it)`);
  const result = importEnvironment(options);
  mkdirSync(dirname(options.out), { recursive: true });
  const tmp = join(dirname(options.out), `.${basename(options.out)}.import-${process.pid}`);
  writeFileSync(tmp, result.text);
  renameSync(tmp, options.out);
  const namespace = options.namespace ?? /^namespace: (.+)$/m.exec(result.text)?.[1] ?? 'rucio';
  ctx.stdout(`wrote ${options.out}: ${result.releases.map((r) => `${r.kind} release ${r.release}`).join(', ')}\n\n`);
  ctx.stdout(formatReport(result, namespace));
  let err = '';
  let objects: number;
  try {
    const { files } = await synthesize(
      { environments: dirname(options.out), env: [options.name] },
      { stdout: () => undefined, stderr: (t) => (err += t) },
    );
    objects = files.filter((f) => f.path.endsWith('.k8s.yaml')).length;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    ctx.stderr(
      `${options.out} does not synthesize yet; left to do (edit the file, then run 'rucio-gitops validate --env ${options.name}'):\n${e.message}\n`,
    );
    return 1;
  }
  ctx.stdout(`${options.out} synthesizes: valid: ${options.name} (${objects} objects)\n`);
  if (err !== '') ctx.stdout(err);
  return 0;
}
