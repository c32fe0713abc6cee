/**
 * The missing-program convention (test/tools.ts): decided per program, and seen end to end by running the real
 * suites on a PATH that holds only node: the tests that drive a program are skipped with the Debian package named,
 * the others pass, and with RUCIO_GITOPS_REQUIRE_TOOLS=1 the same run fails.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, REPO, tempDir } from './helpers.js';
import { onPath, REQUIRE_TOOLS, toolDecision } from './tools.js';

afterAll(cleanup);

describe('toolDecision', () => {
  const none = () => false;
  it('runs when every program is there', () => {
    expect(toolDecision(['haproxy', 'promtool'], {}, () => true)).toEqual({ action: 'run' });
  });

  it('skips with one line naming each missing program and its Debian package', () => {
    expect(toolDecision(['promtool'], {}, none)).toEqual({
      action: 'skip',
      reason: 'promtool not found: apt-get install prometheus',
    });
    const d = toolDecision(['haproxy', 'pushgateway'], {}, (p) => p === 'haproxy');
    expect(d).toEqual({
      action: 'skip',
      reason: 'prometheus-pushgateway not found: apt-get install prometheus-pushgateway',
    });
    expect(toolDecision(['chromium'], {}, none)).toMatchObject({ reason: expect.stringContaining('install chromium') });
  });

  it(`fails instead with ${REQUIRE_TOOLS}=1, except for a program CI does not install (kubectl)`, () => {
    expect(toolDecision(['haproxy'], { [REQUIRE_TOOLS]: '1' }, none)).toEqual({
      action: 'fail',
      reason: `haproxy not found: apt-get install haproxy (${REQUIRE_TOOLS}=1 requires it)`,
    });
    expect(toolDecision(['haproxy'], { [REQUIRE_TOOLS]: '0' }, none).action).toBe('skip');
    expect(toolDecision(['kubectl'], { [REQUIRE_TOOLS]: '1' }, none).action).toBe('skip');
  });

  it('finds only executable files on the PATH', () => {
    const a = tempDir();
    const b = tempDir();
    writeFileSync(join(a, 'haproxy'), '#!/bin/sh\n');
    chmodSync(join(a, 'haproxy'), 0o644);
    mkdirSync(join(a, 'promtool'));
    writeFileSync(join(b, 'haproxy'), '#!/bin/sh\n');
    chmodSync(join(b, 'haproxy'), 0o755);
    expect(onPath('haproxy', a)).toBe(false);
    expect(onPath('promtool', a)).toBe(false);
    expect(onPath('haproxy', `${a}:${b}`)).toBe(true);
    expect(onPath('haproxy', '')).toBe(false);
  });
});

describe('the suites that drive programs, on a machine with only node', () => {
  const bin = tempDir('rucio-bare-path-');
  symlinkSync(process.execPath, join(bin, 'node'));
  const files = [
    'test/infrastructure/pushgateway.test.ts',
    'test/monitoring/alerts.test.ts',
    'test/monitoring/dashboards.test.ts',
    'test/infrastructure/haproxy.test.ts',
  ];
  // One worker: the files run one after another in it, which is all this needs (a second worker would load the
  // constructs, cdk8s and the models a second time).
  const vitest = (extra: Record<string, string>, run = files) =>
    spawnSync(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--maxWorkers=1', ...run], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, PATH: bin, [REQUIRE_TOOLS]: '', CI: '1', ...extra },
      timeout: 170_000,
    });

  it('skip the tests that need a missing program, naming the package once per reason, and pass the rest', () => {
    const r = vitest({});
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/skipped 4 tests: haproxy not found: apt-get install haproxy\n/);
    expect(out).toMatch(/skipped \d+ tests: haproxy not found: apt-get install haproxy; openssl not found/);
    expect(out).toMatch(/skipped 5 tests: promtool not found: apt-get install prometheus\n/);
    expect(out).toMatch(/skipped 1 test: prometheus-pushgateway not found: apt-get install prometheus-pushgateway\n/);
    expect(out).toMatch(/tests: [1-9]\d* passed, 0 failed, [1-9]\d* skipped/);
  }, 180_000);

  it(`fail with ${REQUIRE_TOOLS}=1`, () => {
    const r = vitest({ [REQUIRE_TOOLS]: '1' }, files.slice(0, 2));
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).toBe(1);
    expect(out).toContain(`promtool not found: apt-get install prometheus (${REQUIRE_TOOLS}=1 requires it)`);
    expect(out).toContain(`prometheus-pushgateway not found: apt-get install prometheus-pushgateway (${REQUIRE_TOOLS}`);
    expect(out).toMatch(/tests: \d+ passed, [1-9]\d* failed/);
  }, 180_000);
});
