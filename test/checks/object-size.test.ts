/**
 * Every object stays under the 1 MiB Kubernetes accepts, at any number of releases in one environment: dashboards
 * and alerts are split per daemons release, so no object grows with the releases; and the checks refuse an object over
 * the bound, naming its file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOneEnvironment } from '../../bench/generate.js';
import { MAX_OBJECT_BYTES, objectBytes, runChecks } from '../../src/checks/index.js';
import { loadEnvironments } from '../../src/load/environments.js';
import type { KubeObject, RenderedFile } from '../../src/synth/files.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { ROOT } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function sizes(releases: number): Map<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'rucio-size-'));
  dirs.push(dir);
  writeOneEnvironment(dir, releases);
  const out = new Map<string, number>();
  for (const f of renderEnvironments(loadEnvironments(dir))) if (f.object) out.set(f.path, objectBytes(f.object));
  return out;
}

describe('object size', () => {
  it('no object grows with the number of daemons releases in one environment', () => {
    const few = sizes(2);
    const many = sizes(24);
    const largest = (m: Map<string, number>) => Math.max(...m.values());
    expect(largest(many)).toBeLessThan(MAX_OBJECT_BYTES / 4);
    // Objects of the same name have the same size with 2 or 24 releases, except the servers dashboard (one more
    // server release per 10 daemons releases) and the Flux objects that list the releases.
    for (const [path, bytes] of few) {
      if (/rucio-dashboard-servers|^clusters\//.test(path)) continue;
      expect(many.get(path), path).toBe(bytes);
    }
    // One dashboard and one PrometheusRule per daemons release.
    const per = (re: RegExp) => [...many.keys()].filter((p) => re.test(p)).length;
    expect(per(/ConfigMap\.rucio-dashboard-daemons-daemons[a-z0-9]+\.k8s\.yaml$/)).toBe(24);
    expect(per(/PrometheusRule\.rucio-alerts-daemons[a-z0-9]+\.k8s\.yaml$/)).toBe(24);
  });

  it('the checks refuse an object over 1 MiB, naming its file and object', async () => {
    const envs = loadEnvironments(join(ROOT, 'environments'), ['production']);
    const big = (bytes: number): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big', namespace: 'rucio' },
      // Words, not one long word: the credential patterns scan each word.
      data: { 'a.txt': `${'x'.repeat(63)} `.repeat(Math.ceil(bytes / 64)).slice(0, bytes) },
    });
    const file = (o: KubeObject): RenderedFile => ({
      path: 'apps/production/big/ConfigMap.big.k8s.yaml',
      object: o,
      text: '',
    });
    const over = await runChecks(envs, [...renderEnvironments(envs), file(big(MAX_OBJECT_BYTES))], {
      out: 'dist',
      partial: true,
    });
    const problems = over.problems.map((p) => p.format());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('dist/apps/production/big/ConfigMap.big.k8s.yaml');
    expect(problems[0]).toContain('ConfigMap/big');
    expect(problems[0]).toMatch(/\[object-size\] is 1,048,6\d\d bytes as JSON, over the 1 MiB/);
    const under = await runChecks(envs, [...renderEnvironments(envs), file(big(MAX_OBJECT_BYTES - 200))], {
      out: 'dist',
      partial: true,
    });
    expect(under.problems).toEqual([]);
    // Bytes, not characters: text outside ASCII counts as UTF-8.
    expect(objectBytes(big(10))).toBe(JSON.stringify(big(10)).length);
    const wide = { ...big(0), data: { 'a.txt': 'é'.repeat(10) } };
    expect(objectBytes(wide)).toBe(JSON.stringify(wide).length + 10);
  });
});
