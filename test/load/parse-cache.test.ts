/**
 * The parse cache (src/load/parse-cache.ts), through the built command as a real process with its own cache folder
 * (RUCIO_GITOPS_PARSE_CACHE): a second synth of the same texts takes every file from the cache and writes the same
 * tree as a synth without the cache; an edited value is never answered from the cache; a file with a credential is
 * never kept; an entry that is not whole is ignored and replaced; `off` keeps nothing. And the folder stays bounded.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedSource, MAX_ENTRIES, rememberSource } from '../../src/load/parse-cache.js';
import { moduleHost, setModuleHost } from '../../src/module-host.js';
import { build, snapshot, start } from '../checks/process.js';
import { cleanup, envCopy, replaceOnce, tempDir } from '../helpers.js';

beforeAll(build);
afterAll(cleanup);

/** A synth as a real process with the parse cache in `cache`; its exit code, stderr and the cache's figures. */
async function synth(environments: string, out: string, cache: string) {
  const { done } = start(['synth', '--environments', environments, '--out', out], {
    RUCIO_GITOPS_PARSE_CACHE: cache,
    RUCIO_GITOPS_TIMINGS: '1',
  });
  const r = await done;
  const m = /parse cache: (\d+) hits, (\d+) misses, (\d+) written/.exec(r.stderr);
  return {
    code: r.code,
    stderr: r.stderr,
    cache: m ? { hits: Number(m[1]), misses: Number(m[2]), written: Number(m[3]) } : undefined,
  };
}

describe('the parse cache of the command', () => {
  it('takes unchanged files from the cache, with the same output as without it', async () => {
    const cache = tempDir();
    const envs = envCopy();
    const first = await synth(envs, join(tempDir(), 'dist'), cache);
    expect(first.code).toBe(0);
    expect(first.cache).toEqual({ hits: 0, misses: 3, written: 3 });
    expect(readdirSync(cache)).toHaveLength(3);

    const out = join(tempDir(), 'dist');
    const second = await synth(envs, out, cache);
    expect(second.code).toBe(0);
    expect(second.cache).toEqual({ hits: 3, misses: 0, written: 0 });

    const plain = join(tempDir(), 'dist');
    const off = await synth(envs, plain, 'off');
    expect(off.code).toBe(0);
    expect(off.cache).toBeUndefined();
    expect(snapshot(out)).toBe(snapshot(plain));
  });

  it('an edited value is parsed again and reaches the output; the other files still come from the cache', async () => {
    const cache = tempDir();
    const envs = envCopy();
    expect((await synth(envs, join(tempDir(), 'dist'), cache)).code).toBe(0);
    const file = join(envs, 'production.yaml');
    writeFileSync(
      file,
      replaceOnce(readFileSync(file, 'utf8'), '    undertakerCount: 1\n', '    undertakerCount: 3\n'),
    );
    const out = join(tempDir(), 'dist');
    const r = await synth(envs, out, cache);
    expect(r.code).toBe(0);
    expect(r.cache).toEqual({ hits: 2, misses: 1, written: 1 });
    expect(
      readFileSync(join(out, 'apps/production/daemonprod/Deployment.daemonprod-undertaker.k8s.yaml'), 'utf8'),
    ).toMatch(/^ {2}replicas: 3$/m);
  });

  it('never keeps a file with a credential: it is reported every time', async () => {
    const cache = tempDir();
    const envs = envCopy({
      'integration.yaml': (t) => `${t}# https://admin:hunter2@rucio.example.org\n`,
    });
    for (let i = 0; i < 2; i++) {
      const r = await synth(envs, join(tempDir(), 'dist'), cache);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/integration\.yaml:\d+ +holds a URL with a password \(in a comment\)/);
      expect(r.stderr).not.toContain('hunter2');
    }
    // _rucio.yaml and production.yaml are kept, integration.yaml never.
    expect(readdirSync(cache)).toHaveLength(2);
  });

  it('ignores and replaces an entry that is not whole', async () => {
    const cache = tempDir();
    const envs = envCopy();
    const plain = join(tempDir(), 'dist');
    expect((await synth(envs, plain, 'off')).code).toBe(0);
    expect((await synth(envs, join(tempDir(), 'dist'), cache)).code).toBe(0);
    const [a, b, c] = readdirSync(cache).sort();
    writeFileSync(join(cache, a!), readFileSync(join(cache, a!)).subarray(0, 40));
    writeFileSync(join(cache, b!), 'not an entry');
    writeFileSync(join(cache, c!), '');
    const out = join(tempDir(), 'dist');
    const r = await synth(envs, out, cache);
    expect(r.code).toBe(0);
    expect(r.cache).toEqual({ hits: 0, misses: 3, written: 3 });
    expect(snapshot(out)).toBe(snapshot(plain));
    expect((await synth(envs, join(tempDir(), 'dist'), cache)).cache).toEqual({ hits: 3, misses: 0, written: 0 });
  });

  it('off keeps nothing', async () => {
    const cache = tempDir();
    const r = await synth(envCopy(), join(tempDir(), 'dist'), 'off');
    expect(r.code).toBe(0);
    expect(readdirSync(cache)).toEqual([]);
  });
});

describe('the cache folder', () => {
  it(`holds at most ${MAX_ENTRIES} entries, the newest`, () => {
    const before = moduleHost();
    const dir = join(tempDir(), 'parse');
    mkdirSync(dir);
    setModuleHost({ ...before, parseCache: { dir, stamp: 'test' } });
    try {
      const source = (i: number) => ({ data: { name: `e${i}` }, lines: new Map([['name', 1]]) });
      for (let i = 0; i < MAX_ENTRIES + 20; i++) rememberSource(`name: e${i}\n`, source(i));
      expect(readdirSync(dir)).toHaveLength(MAX_ENTRIES);
      expect(cachedSource(`name: e${MAX_ENTRIES + 19}\n`)).toEqual(source(MAX_ENTRIES + 19));
      expect(cachedSource('name: e0\n')).toBeUndefined();
    } finally {
      setModuleHost(before);
    }
  });
});
