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
import { cannotExceed, scanFile } from '../../src/checks/file-scan.js';
import { MAX_OBJECT_BYTES, objectBytes, runChecks } from '../../src/checks/index.js';
import { objectText } from '../../src/synth/object-text.js';
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

  const big = (bytes: number): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'big', namespace: 'rucio' },
    // Words, not one long word: the credential patterns scan each word.
    data: { 'a.txt': `${'x'.repeat(63)} `.repeat(Math.ceil(bytes / 64)).slice(0, bytes) },
  });

  it('the checks refuse an object over 1 MiB, naming its file and object', async () => {
    const envs = loadEnvironments(join(ROOT, 'environments'), ['production']);
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

  it('an object is measured unless its YAML is short enough that its JSON cannot be over the bound', () => {
    // The bound cannotExceed relies on: at most 6 bytes of JSON per character of the YAML the writer made, tried on
    // every bundled object and on random objects built from what costs JSON the most (escapes, text outside ASCII,
    // lone surrogates, empty keys and strings, deep nesting, empty collections, nulls).
    const objects: unknown[] = renderEnvironments(loadEnvironments(join(ROOT, 'environments'))).flatMap((f) =>
      f.object ? [f.object] : [],
    );
    const pieces = [
      '\u0001',
      '\u007f',
      '"',
      '\\',
      'é',
      '😀',
      '\ud800',
      '\udfff',
      '',
      ' ',
      '\n',
      '\t',
      'a',
      '#',
      ': ',
      '- ',
    ];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const str = () => Array.from({ length: next() % 5 }, () => pieces[next() % pieces.length]).join('');
    const value = (depth: number): unknown => {
      const r = next() % 9;
      if (depth > 6 || r < 3) return [str(), null, 0, true, -1.5e-7][next() % 5];
      if (r < 5) return Array.from({ length: next() % 3 }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: next() % 3 }, () => [str(), value(depth + 1)]));
    };
    for (let i = 0; i < 3000; i++) objects.push({ apiVersion: 'v1', kind: 'ConfigMap', data: value(0) });
    let worst = 0;
    for (const o of objects) {
      const ratio = objectBytes(o as KubeObject) / objectText(o as KubeObject).length;
      worst = Math.max(worst, ratio);
    }
    // Measured: at most about 1 (escapes cost YAML as much as JSON); 6 leaves room for any writer change.
    expect(worst).toBeLessThanOrEqual(6);
    expect(worst).toBeGreaterThan(0.9);

    const small = big(1000);
    expect(cannotExceed(objectText(small))).toBe(true);
    expect(scanFile(small, objectText(small), true, true).bytes).toBeUndefined();
    // A given text says nothing of the object's size: measured.
    expect(scanFile(small, objectText(small), true, false).bytes).toBe(objectBytes(small));
    const large = big(MAX_OBJECT_BYTES / 6);
    expect(cannotExceed(objectText(large))).toBe(false);
    expect(scanFile(large, objectText(large), true, true).bytes).toBe(objectBytes(large));
  });
});
