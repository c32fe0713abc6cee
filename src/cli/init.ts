/**
 * `init NAME`: writes a new environment file that synthesizes as it is, and prints the next steps.
 */
import { initEnvironment, type InitRequest } from '../init/init.js';
import type { Output } from './context.js';

export async function init(request: InitRequest, ctx: Output): Promise<number> {
  const r = await initEnvironment(request);
  if (request.dryRun) ctx.stdout(`${r.text}\n(--dry-run: ${r.file} not written)\n`);
  else
    ctx.stdout(
      `wrote ${r.file}; it synthesizes with ${r.waivers === 0 ? 'no waiver' : `the ${r.waivers} waivers of ${request.from}.yaml`} and no error\n`,
    );
  const out = request.out;
  const steps = [
    `next steps for ${request.name}:`,
    `  1. review ${r.file} (replace the example.org placeholders), then: rucio-gitops synth  (writes ${out}/clusters/${request.name}/, ${out}/infrastructure/${request.name}/, ${out}/apps/${request.name}/)`,
    `  2. the Secrets to create in the cluster before Flux applies it (namespace ${request.namespace}, flux-system for the deploy key):`,
    ...r.secrets.map((s) => `       ${s.name}${s.keys.length > 0 ? ` (keys: ${s.keys.join(', ')})` : ''}`),
    `  3. the CRDs the cluster must serve: ${r.crds.length > 0 ? r.crds.join(', ') : 'none beyond Kubernetes'}`,
    `  4. commit, publish to the deploy repository, and bootstrap Flux on the new cluster:`,
    `       ${r.bootstrap}`,
  ];
  ctx.stdout(`${steps.join('\n')}\n`);
  return 0;
}
