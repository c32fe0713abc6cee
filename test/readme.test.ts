/**
 * The README's examples hold: the new-cluster environment file, written as the README shows it beside the bundled
 * ones, synthesizes with no waiver and no error, and `prerequisites` lists what its quick start says.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, cli, envCopy, readTree, REPO, tempDir } from './helpers.js';

afterAll(cleanup);

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

/** The fenced block after a `<!-- marker -->` comment. */
function block(marker: string): string {
  const at = readme.indexOf(`<!-- ${marker}`);
  expect(at, `README has a <!-- ${marker} --> block`).toBeGreaterThan(0);
  const m = /```[a-z]*\n([^]*?)```/.exec(readme.slice(at));
  return m![1]!;
}

describe('README: a new cluster', () => {
  const text = block('new-cluster-example');
  const name = /^name: (\S+)$/m.exec(text)![1]!;

  it('the environment synthesizes as written, with no waiver and no error', async () => {
    const dir = envCopy({ [`${name}.yaml`]: text });
    const out = join(tempDir(), 'dist');
    const r = await cli('synth', '--environments', dir, '--env', name, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(text).not.toContain('policy:');
    expect(r.stdout).not.toContain('policy waivers applied');
    const files = Object.keys(readTree(out));
    expect(files).toContain(`clusters/${name}/Namespace.rucio.k8s.yaml`);
    expect(files.some((f) => f.startsWith(`apps/${name}/server${name}/Deployment.`))).toBe(true);
    expect(files.some((f) => f.startsWith(`apps/${name}/daemon${name}/Deployment.`))).toBe(true);
  });

  it('prerequisites lists the Namespace, the Flux CRDs and the Secrets the quick start names', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, `${name}.yaml`), text);
    const r = await cli('prerequisites', '--environments', dir, '--env', name);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`rucio  (written by synth in clusters/${name}/, applied by Flux)`);
    expect(r.stdout).toContain('kustomizations.kustomize.toolkit.fluxcd.io');
    expect(r.stdout).toContain('kubectl -n rucio create secret generic rucio-db --from-literal=url=VALUE');
    expect(r.stdout).toContain('kubectl -n flux-system create secret generic rucio-deploy-key');
  });
});
