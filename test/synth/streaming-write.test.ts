/**
 * synth writes each file into the new tree as soon as its checks ran (so a large environment's output is never held
 * whole in memory), and swaps the new tree in only when every check passed: a check that fails at the end of the run
 * (a stale waiver is only known once every object was checked) leaves the output as it was, with no staging folder
 * and no lock behind.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTree } from '../../src/synth/write.js';
import { cleanup, cli, envCopy, readTree, tempDir } from '../helpers.js';

afterAll(cleanup);

const staleWaiver =
  'policy:\n  waivers:\n    - rule: privilege-escalation\n      object: Deployment/daemonprod-reaper\n      reason: left over from an older image\n';

describe('synth writes file by file, and swaps only a fully checked tree', () => {
  it('a check failing after files were written leaves the output untouched; fixed, the change is written', async () => {
    const out = join(tempDir(), 'dist');
    const clean = envCopy();
    expect((await cli('synth', '--environments', clean, '--out', out)).code).toBe(0);
    const before = readTree(out);

    const edit = (t: string) => t.replace('    undertakerCount: 1\n', '    undertakerCount: 3\n');
    const bad = envCopy({ 'production.yaml': (t) => `${edit(t)}${staleWaiver}` });
    const r = await cli('synth', '--environments', bad, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[stale-waiver\] waiver of 'privilege-escalation' for Deployment\/daemonprod-reaper/);
    expect(readTree(out)).toEqual(before);
    expect(existsSync(`${out}.staging`)).toBe(false);
    expect(existsSync(`${out}.lock`)).toBe(false);
    expect(existsSync(`${out}.previous`)).toBe(false);

    const good = envCopy({ 'production.yaml': edit });
    const ok = await cli('synth', '--environments', good, '--out', out);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/\(1 written, 0 removed, \d+ unchanged\)/);
    const after = readTree(out);
    const changed = Object.keys(after).filter((p) => after[p] !== before[p]);
    expect(changed).toEqual(['apps/production/daemonprod/Deployment.daemonprod-undertaker.k8s.yaml']);
    expect(existsSync(`${out}.staging`)).toBe(false);
  });

  it('writes the same tree as the committed dist/', async () => {
    const out = join(tempDir(), 'dist');
    expect((await cli('synth', '--out', out)).code).toBe(0);
    expect(readTree(out)).toEqual(readTree(join(import.meta.dirname, '..', '..', 'dist')));
  });

  it('files written in the background: all on disk when settled, a failed write fails the tree', async () => {
    const paths = Array.from({ length: 200 }, (_, i) => `apps/x/f${String(i).padStart(3, '0')}.k8s.yaml`);
    const text = (p: string) => `# generated\n${p}\n`;
    const good = join(tempDir(), 'dist');
    const w = openTree(good, paths, {}, { background: true });
    for (const p of paths) w.put(p, text(p));
    expect(() => w.finish()).toThrow(/finish before the files written in the background are settled/);
    await w.settled();
    expect(w.finish().written).toHaveLength(200);
    for (const p of paths) expect(readFileSync(join(good, p), 'utf8')).toBe(text(p));

    // A folder where a file goes in the new tree: that write fails on a libuv thread (EISDIR).
    const out = join(tempDir(), 'dist');
    const bad = openTree(out, paths, {}, { background: true });
    bad.put(paths[0]!, text(paths[0]!));
    mkdirSync(join(`${out}.staging`, paths[20]!), { recursive: true });
    let thrown: unknown;
    try {
      for (const p of paths.slice(1)) bad.put(p, text(p));
      await bad.settled();
      bad.finish();
    } catch (e) {
      thrown = e;
    }
    await bad.settled();
    bad.abort();
    expect((thrown as NodeJS.ErrnoException).code).toBe('EISDIR');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.staging`)).toBe(false);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});
