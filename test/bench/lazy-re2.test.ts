/**
 * bin/lazy-re2.cjs, the bundle's stand-in for the models' RE2 class: creating a pattern does not load re2-wasm (its
 * WebAssembly engine costs ~90 ms of start-up); the first test compiles it and matches as RE2 does.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../helpers.js';

it('compiles the pattern on first use only, and matches as RE2 does', () => {
  const script = `
    const Module = require('node:module');
    const load = Module._load;
    const loaded = [];
    Module._load = function (request, ...rest) {
      if (String(request).includes('re2-wasm')) loaded.push(request);
      return load.call(this, request, ...rest);
    };
    const RE2 = require(${JSON.stringify(join(REPO, 'bin', 'lazy-re2.cjs'))}).default;
    const p = new RE2('^(?i)(abort|warn)?$', 'u');
    const before = loaded.length;
    const results = ['warn', 'ABORT', '', 'abortx', 'x'].map((s) => p.test(s));
    const { RE2: Real } = require('re2-wasm');
    const real = new Real('^(?i)(abort|warn)?$', 'u');
    process.stdout.write(JSON.stringify({ before, after: loaded.length, results, real: ['warn', 'ABORT', '', 'abortx', 'x'].map((s) => real.test(s)) }));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: REPO, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout) as { before: number; after: number; results: boolean[]; real: boolean[] };
  expect(out.before).toBe(0);
  expect(out.after).toBeGreaterThan(0);
  expect(out.results).toEqual([true, true, true, false, false]);
  expect(out.results).toEqual(out.real);
});
