/**
 * `synth` and `validate`.
 */
import { reportChecks, runChecks } from '../checks/index.js';
import { listEnvironments, loadEnvironments } from '../load/environments.js';
import { UserError } from '../load/problems.js';
import { renderEnvironments } from '../synth/render.js';
import { generatedFiles, outputFolder, writeTree } from '../synth/write.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext } from './main.js';

/** Options shared by the commands that read environments. */
export interface EnvOptions {
  readonly environments: string;
  readonly env?: readonly string[];
}

/** Loads, renders and checks the objects (schemas, policy, secrets); throws UserError with every problem. */
export async function renderAll(options: EnvOptions, ctx: Pick<CommandContext, 'stdout' | 'stderr'>, out = 'dist') {
  const envs = loadEnvironments(options.environments, options.env);
  const files = renderEnvironments(envs);
  const partial = listEnvironments(options.environments).some((name) => !envs.some((e) => e.name === name));
  reportChecks(await runChecks(envs, files, { out, partial }), ctx.stdout, ctx.stderr);
  return { envs, files };
}

/** Validates the environments and writes their manifests. With `check`, writes nothing and fails when `out` is stale. */
export async function synth(
  options: EnvOptions & { readonly out: string; readonly check: boolean },
  ctx: Pick<CommandContext, 'stdout' | 'stderr'>,
): Promise<number> {
  // `dist/` and `dist//` are `dist`; a folder synth cannot swap as a whole is refused before any work.
  const out = outputFolder(options.out);
  options = { ...options, out };
  const { envs, files } = await renderAll(options, ctx, options.out);
  const scope = { environments: options.env && options.env.length > 0 ? envs.map((e) => e.name) : undefined };
  if (options.check) {
    const wanted = new Map(files.map((f) => [f.path, f.text]));
    const stale = generatedFiles(options.out, scope).filter((p) => !wanted.has(p));
    const differ = files
      .filter(
        (f) => !existsSync(join(options.out, f.path)) || readFileSync(join(options.out, f.path), 'utf8') !== f.text,
      )
      .map((f) => f.path);
    if (stale.length + differ.length > 0) {
      const lines = [
        ...differ.map((p) => `  changed  ${options.out}/${p}`),
        ...stale.map((p) => `  removed  ${options.out}/${p}`),
      ];
      throw new UserError(
        `${options.out}/ is not what synth produces (${lines.length} file${lines.length === 1 ? '' : 's'}); run 'rucio-gitops synth' and commit the result:\n${lines.join('\n')}`,
      );
    }
    ctx.stdout(
      `${options.out}/ is up to date (${files.length} files, ${envs.length} environment${envs.length === 1 ? '' : 's'})\n`,
    );
    return 0;
  }
  if (existsSync(options.out) && !statSync(options.out).isDirectory())
    throw new UserError(`${options.out} is not a folder: pass --out DIR`);
  let result: ReturnType<typeof writeTree>;
  try {
    result = writeTree(options.out, files, scope);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code !== 'string') throw e;
    throw new UserError(
      `cannot write ${options.out}/ (${err.code}${err.path ? ` at ${err.path}` : ''}); the previous tree is kept, and the next synth cleans up`,
    );
  }
  const objects = files.filter((f) => f.path.endsWith('.k8s.yaml')).length;
  ctx.stdout(
    `synthesized ${envs.map((e) => e.name).join(', ')}: ${objects} objects in ${options.out}/ ` +
      `(${result.written.length} written, ${result.removed.length} removed, ${result.unchanged} unchanged)\n`,
  );
  return 0;
}

/** Everything synth checks, writing nothing. */
export async function validate(options: EnvOptions, ctx: Pick<CommandContext, 'stdout' | 'stderr'>): Promise<number> {
  const { envs, files } = await renderAll(options, ctx);
  const objects = files.filter((f) => f.path.endsWith('.k8s.yaml')).length;
  ctx.stdout(`valid: ${envs.map((e) => e.name).join(', ')} (${objects} objects)\n`);
  return 0;
}
