/**
 * `prerequisites`: the Namespaces, CRDs and Secrets that must exist before Flux applies an environment, from the
 * synthesized (and checked) objects. The work is `src/prerequisites/prerequisites.ts` (through the pipeline's
 * `prerequisitesOf`); this is the command around it.
 */
import { UsageError } from '../load/problems.js';
import { prerequisitesOf, type EnvOptions } from '../pipeline.js';
import { formatPrerequisites } from '../prerequisites/prerequisites.js';
import type { Output } from './context.js';

const PREREQUISITE_FORMATS = ['text', 'json'] as const;

export async function printPrerequisites(
  options: EnvOptions & { readonly format: string },
  ctx: Output,
): Promise<number> {
  if (!(PREREQUISITE_FORMATS as readonly string[]).includes(options.format))
    throw new UsageError(`--format must be ${PREREQUISITE_FORMATS.join(' or ')}, received '${options.format}'`);
  const result = await prerequisitesOf(options, ctx);
  ctx.stdout(options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatPrerequisites(result));
  return 0;
}
