/**
 * `synth` and `validate`.
 */
import { checkTree, outputFolder, scopeOf, synthesize, synthesizeInto, type EnvOptions } from '../pipeline.js';
import type { Output } from './context.js';

/** Validates the environments and writes their manifests. With `check`, writes nothing and fails when `out` is stale. */
export async function synth(
  options: EnvOptions & {
    readonly out: string;
    readonly check: boolean;
    /** Environments whose whole output may be removed (their file is gone). */
    readonly removeEnvironment?: readonly string[];
  },
  ctx: Output,
): Promise<number> {
  // `dist/` and `dist//` are `dist`; a folder synth cannot swap as a whole is refused before any work.
  options = { ...options, out: outputFolder(options.out) };
  if (options.check) {
    const synthesis = await synthesize(options, ctx, options.out);
    const { envs, files } = synthesis;
    checkTree(options.out, files, scopeOf(options, synthesis));
    ctx.stdout(
      `${options.out}/ is up to date (${files.length} files, ${envs.length} environment${envs.length === 1 ? '' : 's'})\n`,
    );
    return 0;
  }
  // Each file is written as soon as it is checked, and swapped in when all passed (nothing is written otherwise).
  const { envs, files, result } = await synthesizeInto(options, ctx, options.out);
  const objects = files.filter((f) => f.path.endsWith('.k8s.yaml')).length;
  ctx.stdout(
    `synthesized ${envs.map((e) => e.name).join(', ')}: ${objects} objects in ${options.out}/ ` +
      `(${result.written.length} written, ${result.removed.length} removed, ${result.unchanged} unchanged)\n`,
  );
  return 0;
}

/** Everything synth checks, writing nothing. */
export async function validate(options: EnvOptions, ctx: Output): Promise<number> {
  const { envs, files } = await synthesize(options, ctx);
  const objects = files.filter((f) => f.path.endsWith('.k8s.yaml')).length;
  ctx.stdout(`valid: ${envs.map((e) => e.name).join(', ')} (${objects} objects)\n`);
  return 0;
}
