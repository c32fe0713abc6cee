/**
 * `init NAME`: writes `environments/NAME.yaml` (and nothing else), checks that it synthesizes with no waiver and no
 * error, and works out the next steps from the synthesized objects: the Secrets and CRDs the cluster needs before
 * Flux applies it, and the Flux bootstrap command.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { listEnvironments } from '../load/environments.js';
import { UserError } from '../load/problems.js';
import { synthesize } from '../pipeline.js';
import type { RenderedFile } from '../synth/files.js';
import { prerequisites, type EnvironmentPrerequisites } from '../prerequisites/prerequisites.js';
import { copiedEnvironment, minimalEnvironment, type InitOptions } from './template.js';

export interface InitRequest extends InitOptions {
  readonly environments: string;
  /** The output folder `synth` will write (checked for folders of this name). */
  readonly out: string;
  /** An existing environment to copy instead of the minimal one. */
  readonly from?: string;
  readonly namespaceGiven: boolean;
  readonly dryRun: boolean;
}

export interface InitResult {
  readonly file: string;
  readonly text: string;
  /** What the cluster needs before Flux applies it (`rucio-gitops prerequisites`). */
  readonly prerequisites: EnvironmentPrerequisites;
  readonly bootstrap: string;
  readonly fluxUrl?: string;
  /** The waivers the environment carries (none for a new minimal one; a copy keeps its source's). */
  readonly waivers: number;
}

/** The GitRepository URL Flux will read, from the synthesized objects. */
function fluxUrlOf(files: readonly RenderedFile[], env: string): string | undefined {
  for (const f of files) {
    if (!f.path.startsWith(`clusters/${env}/GitRepository.`)) continue;
    const doc = parse(f.text) as { spec?: { url?: unknown } };
    if (typeof doc?.spec?.url === 'string') return doc.spec.url;
  }
  return undefined;
}

export async function initEnvironment(r: InitRequest): Promise<InitResult> {
  const file = join(r.environments, `${r.name}.yaml`);
  if (existsSync(file)) throw new UserError(`refusing to init: ${file} exists (environment '${r.name}' is taken)`);
  for (const layer of ['clusters', 'infrastructure', 'apps']) {
    const dir = join(r.out, layer, r.name);
    if (existsSync(dir))
      throw new UserError(
        `refusing to init: ${dir} exists, and synth would write environment '${r.name}' into it; choose another name or remove the folder`,
      );
  }
  if (!existsSync(r.environments))
    throw new UserError(`no environments folder at ${r.environments}: pass --environments DIR`);
  let text: string;
  if (r.from !== undefined) {
    const known = listEnvironments(r.environments);
    if (!known.includes(r.from))
      throw new UserError(`refusing to init: --from '${r.from}' is not an environment here (${known.join(', ')})`);
    text = copiedEnvironment(readFileSync(join(r.environments, `${r.from}.yaml`), 'utf8'), r.from, r);
  } else text = minimalEnvironment(r);
  // It must synthesize as it is: write it, run every check on it alone, and take it back when anything fails.
  writeFileSync(file, text, { flag: 'wx' });
  let files: readonly RenderedFile[];
  let waiverCount: number;
  try {
    const lines: string[] = [];
    const synthesis = await synthesize(
      { environments: r.environments, env: [r.name] },
      { stdout: (t) => lines.push(t), stderr: (t) => lines.push(t) },
      r.out,
    );
    const waivers = synthesis.envs[0]!.values.policy?.waivers ?? [];
    if (r.from === undefined && waivers.length > 0)
      throw new UserError(`init wrote an environment with ${waivers.length} waivers: this is a bug in init`);
    files = synthesis.files;
    waiverCount = waivers.length;
  } catch (e) {
    rmSync(file, { force: true });
    throw e;
  }
  if (r.dryRun) rmSync(file, { force: true });
  const needs = prerequisites(files).find((p) => p.environment === r.name)!;
  const url = fluxUrlOf(files, r.name) ?? r.fluxUrl;
  return {
    file,
    text,
    prerequisites: needs,
    waivers: waiverCount,
    fluxUrl: url,
    bootstrap: `flux bootstrap git --url=${url} --branch=main --path=clusters/${r.name}`,
  };
}
