/**
 * `init NAME`: writes a new environment file that synthesizes as it is, and prints the next steps: the Secrets and
 * CRDs the cluster needs (`rucio-gitops prerequisites`, read from the synthesized objects) and the Flux bootstrap.
 */
import { initEnvironment, type InitRequest } from '../init/init.js';
import { formatPrerequisites } from '../prerequisites/prerequisites.js';
import type { Output } from './context.js';

export async function init(request: InitRequest, ctx: Output): Promise<number> {
  const r = await initEnvironment(request);
  if (request.dryRun) ctx.stdout(`${r.text}\n(--dry-run: ${r.file} not written)\n`);
  else
    ctx.stdout(
      `wrote ${r.file}; it synthesizes with ${r.waivers === 0 ? 'no waiver' : `the ${r.waivers} waivers of ${request.from}.yaml`} and no error\n`,
    );
  const out = request.out;
  const n = request.name;
  ctx.stdout(
    [
      '',
      `next steps for ${n}:`,
      `  1. review ${r.file} (replace the example.org placeholders), then: rucio-gitops synth`,
      `     (writes ${out}/clusters/${n}/, ${out}/infrastructure/${n}/, ${out}/apps/${n}/)`,
      `  2. create what the cluster needs before Flux applies it (rucio-gitops prerequisites --env ${n} prints it again):`,
      '',
      formatPrerequisites([r.prerequisites])
        .trimEnd()
        .split('\n')
        .map((l) => (l === '' ? '' : `     ${l}`))
        .join('\n'),
      '',
      '  3. commit, publish to the deploy repository, and bootstrap Flux on the new cluster:',
      `       ${r.bootstrap}`,
      '',
    ].join('\n'),
  );
  return 0;
}
