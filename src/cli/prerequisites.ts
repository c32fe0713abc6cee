/**
 * `prerequisites`: the Namespaces, CRDs and Secrets that must exist before Flux applies an environment, from the
 * synthesized (and checked) objects. The work is `src/prerequisites/prerequisites.ts`; this is the command around it.
 */
import { reportChecks, runChecks } from '../checks/index.js';
import { listEnvironments, loadEnvironments } from '../load/environments.js';
import { UsageError } from '../load/problems.js';
import { formatPrerequisites, prerequisites } from '../prerequisites/prerequisites.js';
import { renderEnvironments } from '../synth/render.js';
import type { CommandContext } from './main.js';
import type { EnvOptions } from './synth.js';

export const PREREQUISITE_FORMATS = ['text', 'json'] as const;

export async function printPrerequisites(
  options: EnvOptions & { readonly format: string },
  ctx: Pick<CommandContext, 'stdout' | 'stderr'>,
): Promise<number> {
  if (!(PREREQUISITE_FORMATS as readonly string[]).includes(options.format))
    throw new UsageError(`--format must be ${PREREQUISITE_FORMATS.join(' or ')}, received '${options.format}'`);
  const envs = loadEnvironments(options.environments, options.env);
  const files = renderEnvironments(envs);
  const partial = listEnvironments(options.environments).some((name) => !envs.some((e) => e.name === name));
  // The objects must pass every check synth runs; the listings of waivers and declarations are not wanted here.
  reportChecks(await runChecks(envs, files, { out: 'dist', partial }), () => {}, ctx.stderr);
  const result = prerequisites(files);
  ctx.stdout(options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatPrerequisites(result));
  return 0;
}
