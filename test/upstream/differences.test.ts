/**
 * docs/upstream-differences.md: generated from src/upstream/differences.ts, committed, and refused when stale.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AREAS, DIFFERENCES } from '../../src/upstream/differences.js';
import { DIFFERENCES_FILE, upstreamDifferencesDoc } from '../../src/upstream/differences-doc.js';
import { cleanup, REPO, tempDir } from '../helpers.js';

afterAll(cleanup);

/** Runs the built CLI in a folder (the schema command writes relative to where it runs, like CI). */
function cliIn(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('node', [join(REPO, 'bin', 'rucio-gitops.js'), ...args], { cwd, stdio: 'pipe' });
    return { code: 0, stdout: stdout.toString(), stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: Buffer; stderr: Buffer };
    return { code: err.status, stdout: err.stdout.toString(), stderr: err.stderr.toString() };
  }
}

describe('docs/upstream-differences.md', () => {
  it('is committed and up to date (run `rucio-gitops schema` when this fails)', () => {
    expect(readFileSync(join(REPO, DIFFERENCES_FILE), 'utf8')).toBe(upstreamDifferencesDoc());
  });

  it('lists every difference with what, why and what to do, under its area', () => {
    const doc = upstreamDifferencesDoc();
    for (const d of DIFFERENCES) {
      expect(d.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      for (const text of [d.what, d.why, d.migrate]) expect(text.length, d.id).toBeGreaterThan(5);
      const section = doc.indexOf(`## ${AREAS[d.area]}\n`);
      const row = doc.indexOf(`| \`${d.id}\` |`);
      expect(section, d.area).toBeGreaterThan(0);
      expect(row, d.id).toBeGreaterThan(section);
    }
    // the differences the issue names, each written down
    for (const id of [
      'config-in-configmaps',
      'checksum-covers-more',
      'resources-everywhere',
      'scoped-job-roles',
      'monitor-wiring',
      'metrics-scraping',
      'default-conveyor-submitter-activities',
      'strict-keys',
      'honored-keys',
    ])
      expect(
        DIFFERENCES.some((d) => d.id === id),
        id,
      ).toBe(true);
  });

  it('schema --check fails when the committed document is stale, and schema rewrites it', () => {
    // GIVEN a checkout whose generated files are current except the differences document
    const dir = tempDir();
    for (const f of ['values/environment.schema.json', 'values/REFERENCE.md']) {
      mkdirSync(join(dir, 'values'), { recursive: true });
      cpSync(join(REPO, f), join(dir, f));
    }
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, DIFFERENCES_FILE), upstreamDifferencesDoc().replace('`metrics-on`', '`metrics-off`'));
    // WHEN CI checks it THEN it fails naming the file
    const r = cliIn(dir, 'schema', '--check');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("docs/upstream-differences.md is stale: run 'rucio-gitops schema' and commit it");
    // and `schema` brings it back
    expect(cliIn(dir, 'schema').code).toBe(0);
    expect(readFileSync(join(dir, DIFFERENCES_FILE), 'utf8')).toBe(upstreamDifferencesDoc());
    expect(cliIn(dir, 'schema', '--check').code).toBe(0);
  });

  it('is checked by CI', () => {
    const ci = readFileSync(join(REPO, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/schema --check/);
    expect(ci).toContain('docs/upstream-differences.md');
  });
});
