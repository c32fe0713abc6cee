/**
 * The README's examples hold: the new-cluster environment file, written as the README shows it beside the bundled
 * ones, synthesizes with no waiver and no error, and `prerequisites` lists what its quick start says; the "Change a
 * value" edit changes exactly the file it names, and a count on an autoscaled daemon is refused.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { cleanup, cli, envCopy, readTree, replaceOnce, REPO, tempDir } from './helpers.js';

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

describe('README: change a value', () => {
  const at = readme.indexOf('<!-- change-a-value');
  const section = readme.slice(at, readme.indexOf('\n## ', at));
  const key = /raise `([^`]+)` in `environments\/([^`]+)`/.exec(section)!;
  const file = /\(here `dist\/([^`]+)`\)/.exec(section)![1]!;

  it('raising the count it names changes the file it names, and nothing else', async () => {
    const path = key[1]!.split('.');
    const dir = envCopy({
      [key[2]!]: (t) => {
        const doc = parseDocument(t);
        const value = doc.getIn(path);
        expect(typeof value, `${key[1]} is written in ${key[2]}`).toBe('number');
        doc.setIn(path, (value as number) + 1);
        return doc.toString();
      },
    });
    const out = join(tempDir(), 'dist');
    const r = await cli('synth', '--environments', dir, '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const after = readTree(out);
    const before = readTree(join(REPO, 'dist'));
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
    expect(changed).toEqual([file]);
  });

  it('the count of an autoscaled daemon is an error naming the autoscaling entry and how to change the scale', async () => {
    const dir = envCopy({
      'production.yaml': (t) =>
        replaceOnce(t, '    judgeEvaluatorCount: 2\n', '    judgeEvaluatorCount: 2\n    reaperCount: 3\n'),
    });
    const out = join(tempDir(), 'dist');
    const r = await cli('synth', '--environments', dir, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /production\.yaml:\d+ {2}daemons\.daemonprod\.reaperCount: reaper is autoscaled by autoscaling\.daemons\.daemonprod\.reaper \(KEDA, minReplicas 2, maxReplicas 4\), which owns its replicas, so reaperCount would change nothing: remove reaperCount \(the autoscaling entry deploys the daemon\) and change minReplicas\/maxReplicas there instead/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
