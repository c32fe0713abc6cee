/**
 * Two synths into the same folder at once (issue #11, point 5): pairs of concurrent writers (50 in CI), each pair writing two
 * different trees into the same output; afterwards the folder is exactly one of the two trees, never a mix and never
 * a tree without a folder, and no staging folder, previous tree or lock is left. The writers are separate processes
 * running the writer synth uses (`writeTree`, with its lock); two more pairs run the whole command line.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadEnvironments } from '../../src/load/environments.js';
import type { RenderedFile } from '../../src/synth/files.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { writeTree } from '../../src/synth/write.js';
import { copyEnvironments, edit, ROOT } from '../checks/helpers.js';
import { BIN, build, snapshot } from '../checks/process.js';

/** 10 pairs in `npm test`; `.ci/run` runs 50 (`CONCURRENT_PAIRS`), as it runs the long fuzz. */
const PAIRS = Number(process.env.CONCURRENT_PAIRS ?? 10);
let base: string;
let treeA: string;
let treeB: string;
let script: string;
let filesA: string;
let filesB: string;

beforeAll(() => {
  build();
  base = mkdtempSync(join(tmpdir(), 'rucio-gitops-concurrent-'));
  const a = renderEnvironments(loadEnvironments(join(ROOT, 'environments')));
  // B: every object of production changed, one file fewer, one more: both writers really write.
  const b: RenderedFile[] = a
    .filter((f) => !f.path.endsWith('Deployment.daemonprod-minos.k8s.yaml'))
    .map((f) => (f.path.startsWith('apps/production/') ? { path: f.path, text: `${f.text}# b\n` } : f));
  b.push({ path: 'apps/production/extra/ConfigMap.extra.k8s.yaml', text: a[0]!.text });
  filesA = join(base, 'a.json');
  filesB = join(base, 'b.json');
  writeFileSync(filesA, JSON.stringify(a.map(({ path, text }) => ({ path, text }))));
  writeFileSync(filesB, JSON.stringify(b.map(({ path, text }) => ({ path, text }))));
  treeA = snapshotOf(a, 'expect-a');
  treeB = snapshotOf(b, 'expect-b');
  expect(treeA).not.toBe(treeB);
  script = join(base, 'write.mjs');
  writeFileSync(
    script,
    [
      "import { readFileSync } from 'node:fs';",
      `const { writeTree } = await import(${JSON.stringify(join(ROOT, '.build/src/synth/write.js'))});`,
      'const [out, files] = process.argv.slice(2);',
      "writeTree(out, JSON.parse(readFileSync(files, 'utf8')), {});",
    ].join('\n'),
  );
}, 120_000);

afterAll(() => rmSync(base, { recursive: true, force: true }));

function snapshotOf(files: readonly RenderedFile[], name: string): string {
  const out = join(base, name);
  writeTree(out, files, {});
  return snapshot(out)!;
}

function runNode(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const leftovers = (out: string) => ['.staging', '.previous', '.lock'].filter((s) => existsSync(`${out}${s}`));

describe('concurrent synths into one folder', () => {
  test(`${PAIRS} pairs of concurrent writers never leave a mixed or partial tree`, async () => {
    const out = join(base, 'shared');
    const outcomes = { a: 0, b: 0 };
    for (let i = 0; i < PAIRS; i++) {
      // Alternate who starts first; both start without waiting for the other.
      const [first, second] = i % 2 === 0 ? [filesA, filesB] : [filesB, filesA];
      const results = await Promise.all([runNode([script, out, first]), runNode([script, out, second])]);
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      const now = snapshot(out);
      expect([treeA, treeB], `pair ${i + 1}`).toContain(now);
      outcomes[now === treeA ? 'a' : 'b']++;
      expect(leftovers(out), `pair ${i + 1}`).toEqual([]);
    }
    console.log(`${PAIRS} pairs: ${outcomes.a} ended as tree A, ${outcomes.b} as tree B`);
  }, 900_000);

  test('two synth commands at once: one waits for the other, the tree is whole', async () => {
    const envs = copyEnvironments();
    const other = copyEnvironments();
    edit(other, 'production.yaml', (t) => t.replace('    undertakerCount: 1\n', '    undertakerCount: 3\n'));
    // What each command writes when it runs alone: the same two trees every time, synthesized once in this process.
    const expected = [envs, other].map((dir, k) => snapshotOf(renderEnvironments(loadEnvironments(dir)), `cli-${k}`));
    expect(expected[0]).not.toBe(expected[1]);
    for (let i = 0; i < 2; i++) {
      const out = join(base, `cli-out-${i}`);
      const results = await Promise.all([
        runNode([BIN, 'synth', '--environments', envs, '--out', out]),
        runNode([BIN, 'synth', '--environments', other, '--out', out]),
      ]);
      for (const r of results) expect(r.code, r.stderr).toBe(0);
      expect(expected).toContain(snapshot(out));
      expect(leftovers(out)).toEqual([]);
    }
  }, 600_000);
});
