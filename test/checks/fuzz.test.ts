/**
 * Bad input survived: CASES (default 300, 2000 in CI) mutated environment files through the CLI's main(), in worker threads of
 * this process; FUZZ_CASE=<i> runs one case in the test's own thread on the TypeScript sources instead. The gnarliest
 * inputs also go through the real process. See fuzz-cases.ts for the mutations and what counts as a failure.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { CASES, ONLY, TEXTUAL, originalFiles, runCases, runCasesInWorkers, verdict, workspace } from './fuzz-cases.js';
import { ROOT } from './helpers.js';
import { build, snapshot, start } from './process.js';

beforeAll(() => build(), 120_000);

describe('fuzzed environment files', () => {
  test(`${CASES} mutated cases through main(): valid, or exit 1 naming file and key; no crash, stack trace, hang or changed dist/`, async () => {
    const failures = ONLY === undefined ? await runCasesInWorkers(0, CASES) : await runCases(ONLY, ONLY + 1);
    expect(failures.slice(0, 10)).toEqual([]);
  }, 300_000);
});

describe('fuzzed files through the real process', () => {
  let ws: Awaited<ReturnType<typeof workspace>>;
  beforeAll(async () => {
    ws = await workspace();
  }, 60_000);

  const gnarly: Record<string, (text: string) => string> = {
    'an alias bomb': (t) => TEXTUAL.aliasBomb!(() => 0.9, t),
    'a million nested lists': (t) =>
      t.replace(/namespace: rucio/, `namespace: ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`),
    'binary garbage': (t) => t.replace('namespace: rucio', 'namespace: ru\u0000\u00ff\u00fe\u0001\u0002cio'),
    // Cut inside the last key, as a write stopped mid-line leaves it (a cut between lines can be a valid, shorter layer).
    'a truncated file': (t) => t.slice(0, t.lastIndexOf(': ') - 1),
    'deep block nesting': (t) => TEXTUAL.deepBlock!(() => 0.99, t),
  };

  test.each(Object.keys(gnarly))('%s: exit 1 with a message, no stack trace, dist/ unchanged', async (name) => {
    const envDir = mkdtempSync(join(tmpdir(), 'rucio-gitops-fuzzp-'));
    cpSync(join(ROOT, 'environments'), envDir, { recursive: true });
    writeFileSync(join(envDir, '_rucio.yaml'), gnarly[name]!(originalFiles()['_rucio.yaml']!));
    const out = join(envDir, 'dist');
    cpSync(ws.dist, out, { recursive: true });
    const { done } = start(['synth', '--environments', envDir, '--out', out]);
    const result = await done;
    const problem = verdict({ code: result.code ?? -1, stdout: result.stdout, stderr: result.stderr });
    expect(problem).toBeUndefined();
    expect(result.code).toBe(1);
    expect(snapshot(out)).toBe(ws.distSnapshot);
  });
});
