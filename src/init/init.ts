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
  readonly secrets: ReadonlyArray<{ name: string; keys: readonly string[] }>;
  readonly crds: readonly string[];
  readonly bootstrap: string;
  readonly fluxUrl?: string;
  /** The waivers the environment carries (none for a new minimal one; a copy keeps its source's). */
  readonly waivers: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The Secrets and API groups the objects refer to (secretKeyRef, secret volumes, envFrom, Flux secretRef). */
export function needsOf(files: readonly RenderedFile[], env: string) {
  const secrets = new Map<string, Set<string>>();
  const groups = new Set<string>();
  let fluxUrl: string | undefined;
  const add = (name: unknown, key?: unknown) => {
    if (typeof name !== 'string') return;
    const keys = secrets.get(name) ?? new Set<string>();
    if (typeof key === 'string') keys.add(key);
    secrets.set(name, keys);
  };
  const walk = (node: unknown, parentKey: string) => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, parentKey));
    if (!isObj(node)) return;
    if (parentKey === 'secretKeyRef') add(node.name, node.key);
    if (parentKey === 'secret' && typeof node.secretName === 'string') add(node.secretName);
    if (parentKey === 'secretRef' && typeof node.name === 'string') add(node.name);
    for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  for (const f of files) {
    const parts = f.path.split('/');
    if (parts[1] !== env || !f.path.endsWith('.k8s.yaml')) continue;
    const doc = parse(f.text) as unknown;
    if (!isObj(doc)) continue;
    const api = String(doc.apiVersion ?? '');
    if (
      api.includes('/') &&
      !/^(apps|batch|rbac\.authorization\.k8s\.io|policy|networking\.k8s\.io|autoscaling)\//.test(api)
    )
      groups.add(api.split('/')[0]!);
    if (doc.kind === 'GitRepository' && isObj(doc.spec) && typeof doc.spec.url === 'string') fluxUrl = doc.spec.url;
    walk(doc, '');
  }
  return {
    secrets: [...secrets.entries()]
      .map(([name, keys]) => ({ name, keys: [...keys].sort() }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    crds: [...groups].sort(),
    fluxUrl,
  };
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
  let waiverCount = 0;
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
  const needs = needsOf(files, r.name);
  const url = needs.fluxUrl ?? r.fluxUrl;
  return {
    file,
    text,
    secrets: needs.secrets,
    crds: needs.crds,
    waivers: waiverCount,
    fluxUrl: url,
    bootstrap: `flux bootstrap git --url=${url} --branch=main --path=clusters/${r.name}`,
  };
}
