import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { writeLargeInstance } from '../../bench/generate.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { buildEnvironment } from '../../src/synth/render.js';
import { emitYaml } from '../../src/synth/yaml-emit.js';

const OPTIONS = { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: true } as const;
const reference = (v: unknown) => stringify(v, OPTIONS);

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  '',
  'a',
  'true',
  'True',
  'null',
  '~',
  'NULL',
  'no',
  'yes',
  'on',
  '1',
  '-1',
  '+1',
  '0o17',
  '0x1F',
  '1e3',
  '.5',
  '1.',
  '.inf',
  '-.Inf',
  '.nan',
  '-',
  '?',
  '- a',
  '? a',
  ':',
  'a:',
  'a: b',
  'a:b',
  'a #b',
  'a#b',
  '#a',
  '%a',
  '---',
  '...',
  '--- a',
  'a ',
  ' a',
  "it's",
  'say "hi"',
  `"'`,
  '@a',
  '`a',
  '|',
  '>',
  '!a',
  '&a',
  '*a',
  '[a]',
  '{a}',
  'a,b',
  'é',
  'a\tb',
  'a\u0001',
  '/opt/rucio/etc/',
  'https://h:8443/x',
  '750m',
  '1Gi',
  '--threads 2 --bulk 100',
  'a\nb',
  'a\nb\n',
  'a\n\nb\n',
  'a\nb\n\n',
  'a \nb',
  'a\n b\n',
  ' a\nb',
  '\na',
  'a\n',
  '{\n  "a": "b"\n}\n',
  'a\n---\nb',
  'a\n  \nb\n',
  'x\\y',
  'a"b\nc',
];

function randomValue(rnd: () => number, depth: number): unknown {
  const r = rnd();
  if (depth > 3 || r < 0.45) {
    const s = rnd();
    if (s < 0.7) return WORDS[Math.floor(rnd() * WORDS.length)]!;
    if (s < 0.8) return Math.floor(rnd() * 2000) - 1000;
    if (s < 0.85) return rnd() < 0.5;
    if (s < 0.9) return null;
    if (s < 0.95) return rnd() * 10;
    return Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => WORDS[Math.floor(rnd() * WORDS.length)]!).join(
      rnd() < 0.5 ? '' : '\n',
    );
  }
  const n = Math.floor(rnd() * 4);
  if (r < 0.7) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++)
      o[rnd() < 0.7 ? `k${Math.floor(rnd() * 20)}` : WORDS[Math.floor(rnd() * WORDS.length)]!] = randomValue(
        rnd,
        depth + 1,
      );
    return o;
  }
  return Array.from({ length: n }, () => randomValue(rnd, depth + 1));
}

describe('emitYaml', () => {
  it('writes exactly what the yaml library writes for every object of the bundled environments and a generated instance', () => {
    const dir = mkdtempSync(join(tmpdir(), 'yaml-emit-'));
    try {
      writeLargeInstance(dir, { environments: 1, daemonsReleases: 1, serverReleases: 1 });
      const objects = [...loadEnvironments('environments'), ...loadEnvironments(dir)].flatMap((e) =>
        buildEnvironment(e).flatMap((f) => f.objects),
      );
      expect(objects.length).toBeGreaterThan(100);
      for (const o of objects) {
        const fast = emitYaml(o);
        expect(fast, `${o.kind}/${o.metadata.name} left the fast path`).toBeDefined();
        expect(fast).toBe(reference(o));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes what the yaml library writes, or declines, for random values with awkward strings', () => {
    const rnd = random(7);
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      const v = { root: randomValue(rnd, 0), [WORDS[i % WORDS.length]!]: randomValue(rnd, 1) };
      const out = emitYaml(v);
      if (out === undefined) continue;
      fast++;
      expect(out, JSON.stringify(v)).toBe(reference(v));
      expect(parse(out)).toEqual(JSON.parse(JSON.stringify(v)));
    }
    expect(fast).toBeGreaterThan(2_000); // the comparison must actually exercise the fast path
  });

  it('writes long strings (alert expressions, dashboards) on the fast path; long keys are left to the library', () => {
    const rnd = random(11);
    for (const n of [999, 1000, 1001, 1023, 1024, 1025, 5000]) {
      for (const word of WORDS) {
        const s = `${word}${'x'.repeat(n)}${WORDS[Math.floor(rnd() * WORDS.length)]!}`;
        for (const v of [{ k: s }, { k: [s, { m: s }] }, { k: `${s}\n${s}\n` }, { [s.slice(0, n)]: 1 }]) {
          const out = emitYaml(v);
          if (Object.keys(v)[0]!.length > 1000) {
            expect(out).toBeUndefined();
            continue;
          }
          if (out === undefined) {
            // Only what short strings also decline (non-ASCII, tabs, control characters, markers, edge whitespace).
            expect(emitYaml(JSON.parse(JSON.stringify(v).replace(/x{999,}/g, 'x')))).toBeUndefined();
            continue;
          }
          expect(out).toBe(reference(v));
        }
      }
    }
    const expr = `kube_deployment_status_replicas_unavailable{deployment=~"${Array.from({ length: 300 }, (_, i) => `daemons-${i}-abacus-account`).join('|')}"} > 0`;
    expect(expr.length).toBeGreaterThan(5000);
    expect(emitYaml({ expr })).toBe(reference({ expr }));
  });

  it('declines what it does not reproduce, so the caller falls back', () => {
    expect(emitYaml({ a: 1.5 })).toBeUndefined();
    expect(emitYaml({ a: 'é' })).toBeUndefined();
    expect(emitYaml({ a: new Date(0) })).toBeUndefined();
    expect(emitYaml(['a'])).toBeUndefined();
    expect(emitYaml({})).toBe(reference({}));
    expect(emitYaml({ a: undefined, b: 1 })).toBe(reference({ a: undefined, b: 1 }));
  });
});
