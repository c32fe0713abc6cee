/**
 * Issue 12, point 7: the Node.js versions package.json declares agree with every installed package's `engines`, so
 * `npm ci` prints no EBADENGINE warning on any of them (it did with kubernetes-models 5, which wants Node 22), and
 * the Node.js running the tests is one we declare.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
  validRange(range: string): string | null;
};

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; optional?: boolean; engines?: { node?: string } | string[] }>;
};
const declared = pkg.engines.node;

/** The lowest version of each alternative of the declared range, and one a major above the open end. */
function probes(): string[] {
  const out = declared.split('||').map((part) => semver.minVersion(part.trim())!.version);
  const open = declared
    .split('||')
    .map((p) => p.trim())
    .find((p) => /^>=\s*\d+/.test(p));
  if (open) out.push(`${Number(/\d+/.exec(open)![0]) + 2}.0.0`);
  return out;
}

describe('declared Node.js versions', () => {
  it('are a valid range that the running Node.js satisfies', () => {
    expect(semver.validRange(declared)).not.toBeNull();
    expect(semver.satisfies(process.versions.node, declared), `node ${process.versions.node} vs ${declared}`).toBe(
      true,
    );
  });

  it('agree with the engines of every package npm ci installs (no EBADENGINE)', () => {
    const versions = probes();
    expect(versions.length).toBeGreaterThanOrEqual(3);
    const refused: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      const range = !p.engines || Array.isArray(p.engines) ? undefined : p.engines.node;
      // Optional packages (platform binaries) are skipped by npm when they do not fit, without a warning.
      if (path === '' || !range || p.optional) continue;
      for (const v of [...versions, process.versions.node])
        if (!semver.satisfies(v, range)) refused.push(`${path}@${p.version} wants node ${range}, not ${v}`);
    }
    expect(refused).toEqual([]);
  });

  it('the check sees a package that wants a newer Node.js (the counter-test)', () => {
    expect(semver.satisfies(probes()[0]!, '>=22')).toBe(false);
  });
});
