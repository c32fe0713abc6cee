/**
 * Bad input survived: the bundled environment files, mutated at random (deleted and renamed keys, wrong types, huge
 * and negative numbers, empty strings, unicode, duplicate keys, anchors and aliases including an alias bomb, deep
 * nesting, binary garbage, truncation), go through the command line. Every case must end valid (exit 0) or in exit 1
 * with messages that name a file and a key path (or the whole file); never a crash, a stack trace, a hang, or a
 * changed dist/.
 *
 * Seeded and reproducible: FUZZ_SEED=<n> repeats a run, FUZZ_CASE=<i> runs one case of it, FUZZ_CASES=<n> sets the
 * count: 300 by default, so `npm test` stays fast on two cores; `.ci/run` sets FUZZ_CASES=2000 for the long run.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { ROOT, run, type Run } from './helpers.js';
import { snapshot } from './process.js';

export const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2026);
export const CASES = Number(process.env.FUZZ_CASES ?? 300);
export const ONLY = process.env.FUZZ_CASE === undefined ? undefined : Number(process.env.FUZZ_CASE);
const FILES = ['_rucio.yaml', 'integration.yaml', 'production.yaml'] as const;
const LEAVES = ['integration', 'production'] as const;

/** mulberry32: small, fast, good enough to pick mutations; seeded, so a failing run can be repeated. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, list: readonly T[]): T => list[int(r, list.length)]!;
const some = <T>(list: readonly T[]) => list.length > 0;

type Data = Record<string, unknown> | unknown[];
type Seg = string | number;

/** Every path to a value in the document. */
function paths(value: unknown, at: Seg[] = [], out: Seg[][] = []): Seg[][] {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = [...at, Array.isArray(value) ? Number(k) : k];
      out.push(p);
      paths(v, p, out);
    }
  }
  return out;
}

function parentOf(root: Data, path: Seg[]): Data {
  let cur: unknown = root;
  for (const seg of path.slice(0, -1)) cur = (cur as Record<Seg, unknown>)[seg];
  return cur as Data;
}

const UNICODE = [
  '💥',
  'ñandú',
  '\u202eevil',
  'a\u0301',
  '日本語',
  'zero\u200bwidth',
  '\uFEFFbom',
  'Ω≈ç√∫',
  '\u0007bell',
  'line\nbreak',
  '𝕦𝕟𝕚𝕔𝕠𝕕𝕖',
];
const NUMBERS = [
  1e308,
  -1,
  -2147483649,
  2147483648,
  // eslint-disable-next-line no-loss-of-precision -- on purpose: a number JSON cannot hold exactly
  9007199254740993,
  0.5,
  -0.25,
  0,
  1e-300,
  // eslint-disable-next-line no-loss-of-precision -- on purpose: a number JSON cannot hold exactly
  123456789012345678901234567890,
  Infinity,
  -Infinity,
  NaN,
];
const WRONG = (r: Rng): unknown =>
  pick(r, [
    () => 'a string',
    () => 42,
    () => true,
    () => null,
    () => [],
    () => ({}),
    () => [1, 'x', null],
    () => ({ k: 'v', n: 1 }),
    () => pick(r, NUMBERS),
    () => '',
  ])();

/** Structural mutations, on the parsed document. */
const STRUCTURAL: Record<string, (r: Rng, doc: Data) => void> = {
  delete(r, doc) {
    if (!some(paths(doc))) return;
    const p = pick(r, paths(doc));
    const parent = parentOf(doc, p);
    if (Array.isArray(parent)) parent.splice(p[p.length - 1] as number, 1);
    else delete parent[p[p.length - 1] as string];
  },
  rename(r, doc) {
    const candidates = paths(doc).filter((p) => typeof p[p.length - 1] === 'string');
    if (candidates.length === 0) return;
    const p = pick(r, candidates);
    const parent = parentOf(doc, p) as Record<string, unknown>;
    const key = p[p.length - 1] as string;
    const i = int(r, key.length + 1);
    const renamed = pick(r, [
      () => key.slice(0, i) + key.slice(i + 1),
      () => key.slice(0, i) + pick(r, ['x', '_', '-', 'Z', 'é', ' ']) + key.slice(i),
      () => key.toUpperCase(),
      () => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      () => `${key}s`,
    ])();
    const value = parent[key];
    delete parent[key];
    parent[renamed] = value;
  },
  wrongType(r, doc) {
    if (!some(paths(doc))) return;
    const p = pick(r, paths(doc));
    (parentOf(doc, p) as Record<Seg, unknown>)[p[p.length - 1]!] = WRONG(r);
  },
  number(r, doc) {
    if (!some(paths(doc))) return;
    const p = pick(r, paths(doc));
    (parentOf(doc, p) as Record<Seg, unknown>)[p[p.length - 1]!] = pick(r, NUMBERS);
  },
  emptyString(r, doc) {
    if (!some(paths(doc))) return;
    const p = pick(r, paths(doc));
    (parentOf(doc, p) as Record<Seg, unknown>)[p[p.length - 1]!] = '';
  },
  unicode(r, doc) {
    if (!some(paths(doc))) return;
    const p = pick(r, paths(doc));
    const parent = parentOf(doc, p) as Record<Seg, unknown>;
    const last = p[p.length - 1]!;
    const u = pick(r, UNICODE);
    if (typeof last === 'string' && r() < 0.3) {
      const value = parent[last];
      delete parent[last];
      parent[last + u] = value;
    } else {
      parent[last] = typeof parent[last] === 'string' ? `${parent[last] as string}${u}` : u;
    }
  },
  unknownKey(r, doc) {
    const maps = [[], ...paths(doc)].filter((p) => {
      const v = p.length === 0 ? doc : (parentOf(doc, p) as Record<Seg, unknown>)[p[p.length - 1]!];
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    });
    const p = pick(r, maps);
    const target = (p.length === 0 ? doc : (parentOf(doc, p) as Record<Seg, unknown>)[p[p.length - 1]!]) as Record<
      string,
      unknown
    >;
    target[pick(r, ['replicas', 'extra', 'image', '__proto__x', 'constructor', 'toString', '0', ''])] = WRONG(r);
  },
};

const scalarLines = (lines: string[]) =>
  lines
    .map((l, i) => [l, i] as const)
    .filter(([l]) => /^\s*(- )?[A-Za-z_][\w.-]*: [^&*#[{][^#]*$/.test(l))
    .map(([, i]) => i);

/** Text mutations, on the YAML as written. */
export const TEXTUAL: Record<string, (r: Rng, text: string) => string> = {
  duplicateKey(r, text) {
    const lines = text.split('\n');
    const keyed = lines
      .map((l, i) => [l, i] as const)
      .filter(([l]) => /^\s*[A-Za-z_][\w.-]*:/.test(l))
      .map(([, i]) => i);
    if (!some(keyed)) return text;
    const i = pick(r, keyed);
    lines.splice(i + 1, 0, lines[i]!.replace(/^(\s*)- /, '$1  '));
    return lines.join('\n');
  },
  alias(r, text) {
    const lines = text.split('\n');
    const scalars = scalarLines(lines);
    if (scalars.length < 2) return text;
    const a = pick(r, scalars);
    const b = pick(r, scalars);
    const [first, second] = a < b ? [a, b] : [b, a];
    lines[first] = lines[first]!.replace(/: /, ': &anchor ');
    if (second !== first) lines[second] = lines[second]!.replace(/: .*$/, ': *anchor');
    return lines.join('\n');
  },
  undefinedAlias(r, text) {
    const lines = text.split('\n');
    const scalars = scalarLines(lines);
    if (!some(scalars)) return text;
    const i = pick(r, scalars);
    lines[i] = lines[i]!.replace(/: .*$/, ': *nowhere');
    return lines.join('\n');
  },
  aliasBomb(r, text) {
    const levels = 6 + int(r, 6);
    const bomb = ['lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= levels; i++)
      bomb.push(
        `lol${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    if (r() < 0.5) return `${text.trimEnd()}\n${bomb.join('\n')}\n`;
    // Inside a map the schema knows (free-form labels), so the bomb would be accepted if it were expanded.
    return `${text.trimEnd()}\ncommon:\n  podLabels:\n${bomb.map((l) => `    ${l}`).join('\n')}\n`;
  },
  deepNesting(r, text) {
    const lines = text.split('\n');
    const scalars = scalarLines(lines);
    if (!some(scalars)) return text;
    const i = pick(r, scalars);
    const depth = pick(r, [64, 1000, 10_000, 100_000, 1_000_000]);
    const flow =
      r() < 0.5 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
    lines[i] = lines[i]!.replace(/: .*$/, `: ${flow}`);
    return lines.join('\n');
  },
  deepBlock(r, text) {
    const depth = pick(r, [100, 500, 1500]);
    let block = 'common:\n  podLabels:\n';
    for (let d = 0; d < depth; d++) block += `${' '.repeat(4 + d)}k${d}:\n`;
    return `${text.trimEnd()}\n${block}${' '.repeat(4 + depth)}v\n`;
  },
  garbage(r, text) {
    const at = int(r, text.length + 1);
    const bytes = Array.from({ length: 1 + int(r, 64) }, () => String.fromCharCode(int(r, 256))).join('');
    return text.slice(0, at) + bytes + text.slice(at);
  },
  truncate(r, text) {
    return text.slice(0, int(r, text.length));
  },
  lineEndings(r, text) {
    return pick(r, [
      () => text.replace(/\n/g, '\r\n'),
      () => `\uFEFF${text}`,
      () => text.replace(/^( +)/gm, (s) => '\t'.repeat(s.length / 2)),
      () => text.replace(/\n/g, '\r'),
    ])();
  },
  documents(r, text) {
    return pick(r, [
      () => `${text}\n---\n${text}`,
      () => '',
      () => '---\n',
      () => '- a\n- b\n',
      () => 'just a string\n',
      () => '{}',
      () => 'null\n',
    ])();
  },
};

const STRUCTURAL_NAMES = Object.keys(STRUCTURAL);
const TEXTUAL_NAMES = Object.keys(TEXTUAL);

export interface Case {
  readonly file: (typeof FILES)[number];
  readonly mutations: string[];
  readonly text: string;
  readonly env: string;
  readonly synth: boolean;
}

const parsedOriginals = new Map<string, unknown>();

export function makeCase(index: number, originals: Record<string, string>): Case {
  const r = prng((SEED ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const file = pick(r, FILES);
  const mutations: string[] = [];
  let text = originals[file]!;
  const count = 1 + int(r, 3);
  const structural = Array.from({ length: count }, () => r() < 0.6);
  if (structural.some(Boolean)) {
    let parsed = parsedOriginals.get(text);
    if (parsed === undefined) parsedOriginals.set(text, (parsed = parse(text) as unknown));
    const doc = structuredClone(parsed !== null && typeof parsed === 'object' ? parsed : {}) as Data;
    for (const s of structural.filter(Boolean)) {
      const name = pick(r, STRUCTURAL_NAMES);
      mutations.push(name);
      STRUCTURAL[name]!(r, doc);
      void s;
    }
    text = stringify(doc);
  }
  for (let n = structural.filter((s) => !s).length; n > 0; n--) {
    const name = pick(r, TEXTUAL_NAMES);
    mutations.push(name);
    text = TEXTUAL[name]!(r, text);
  }
  const env = file === '_rucio.yaml' ? pick(r, LEAVES) : file.slice(0, -5);
  return { file, mutations, text, env, synth: r() < 0.1 };
}

/** What is wrong with the outcome of a case, if anything. */
export function verdict(result: Run): string | undefined {
  if (result.code !== 0 && result.code !== 1) return `exit ${result.code}: ${result.stderr.slice(0, 2000)}`;
  if (
    /\n\s+at .*:\d+:\d+\)?$/m.test(result.stderr) ||
    /^(TypeError|RangeError|ReferenceError|SyntaxError|Error)\b/m.test(result.stderr)
  )
    return `a stack trace or raw error: ${result.stderr.slice(0, 2000)}`;
  if (result.stderr.length + result.stdout.length > 500_000)
    return `printed ${result.stderr.length + result.stdout.length} characters`;
  if (result.code === 1) {
    // Each problem line names a file, then a key path or a message about the whole file.
    const named =
      /^ {2}\S+\.yaml(:\d+)? {2}[^ ]/m.test(result.stderr) ||
      /^\S+\.yaml(:\d+)? {2}[^ ]/m.test(result.stderr) ||
      /^ {2}\S+\.k8s\.yaml {2}[A-Z][A-Za-z]*\/\S+ /m.test(result.stderr);
    if (!named) return `exit 1 without naming a file and key: ${result.stderr.slice(0, 2000)}`;
  }
  return undefined;
}

/** The bundled files, as read once. */
export function originalFiles(): Record<string, string> {
  return Object.fromEntries(FILES.map((f) => [f, readFileSync(join(ROOT, 'environments', f), 'utf8')]));
}

/** A working folder: a copy of the environments and a synthesized dist/ with its snapshot. */
export async function workspace(): Promise<{ dir: string; envDir: string; dist: string; distSnapshot: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'rucio-gitops-fuzz-'));
  const envDir = join(dir, 'environments');
  cpSync(join(ROOT, 'environments'), envDir, { recursive: true });
  const dist = join(dir, 'dist');
  const r = await run(['synth', '--environments', envDir, '--out', dist]);
  expect(r.code).toBe(0);
  return { dir, envDir, dist, distSnapshot: snapshot(dist)! };
}

/** Runs the cases `from` (inclusive) to `to` (exclusive) of the seed through main(); returns the failures. */
export async function runCases(from: number, to: number): Promise<string[]> {
  const originals = originalFiles();
  const { envDir, dist, distSnapshot } = await workspace();
  const failures: string[] = [];
  const tally = new Map<string, number>();
  const indexes =
    ONLY === undefined
      ? Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i)
      : ONLY >= from && ONLY < to
        ? [ONLY]
        : [];
  for (const i of indexes) {
    const c = makeCase(i, originals);
    for (const f of FILES) writeFileSync(join(envDir, f), f === c.file ? c.text : originals[f]!);
    const args = c.synth
      ? ['synth', '--environments', envDir, '--env', c.env, '--out', dist]
      : ['validate', '--environments', envDir, '--env', c.env];
    const result = await run(args);
    let problem = verdict(result);
    if (c.synth) {
      const now = snapshot(dist);
      if (result.code !== 0 && now !== distSnapshot) problem ??= 'dist/ changed although synth failed';
      if (now !== distSnapshot) {
        rmSync(dist, { recursive: true, force: true });
        await run(['synth', '--environments', join(ROOT, 'environments'), '--out', dist]);
        expect(snapshot(dist)).toBe(distSnapshot);
      }
    }
    const outcome = result.code === 0 ? 'valid' : 'refused';
    tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    if (problem)
      failures.push(`case ${i} (FUZZ_SEED=${SEED} FUZZ_CASE=${i}; ${c.file}: ${c.mutations.join(', ')}): ${problem}`);
  }
  console.log(
    `fuzz seed ${SEED}, cases ${from}..${to - 1}: ${[...tally].map(([k, v]) => `${v} ${k}`).join(', ') || 'none run'}; repeat with FUZZ_SEED=${SEED}, one case with FUZZ_CASE=<i>`,
  );
  return failures;
}

/**
 * Runs the cases `from` to `to` in worker threads of this process (one per core, at least two), each calling the
 * compiled CLI's main(): the cases are CPU-bound and vitest runs test files one at a time on a small machine.
 * Needs `.build/` (see process.ts `build`). Returns the failures.
 */
/**
 * A case running longer than this counts as a hang: not a speed limit (speed is `npm run bench`'s), so it is far above
 * what a case takes even on a loaded 2-core machine (about 0.1 s idle).
 */
const HANG_MS = 120_000;

export async function runCasesInWorkers(
  from: number,
  to: number,
  threads = Math.max(2, availableParallelism()),
): Promise<string[]> {
  const originals = originalFiles();
  const failures: string[] = [];
  const tally = new Map<string, number>();
  let next = from;
  const cases = new Map<number, Case>();
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(new URL('./fuzz-worker.mjs', import.meta.url), {
            workerData: { root: ROOT, originals },
          });
          const send = () => {
            if (next >= to) {
              worker.postMessage(null);
              return;
            }
            const c = makeCase(next, originals);
            cases.set(next, c);
            inFlight.push(next);
            worker.postMessage({ index: next, file: c.file, text: c.text, env: c.env, synth: c.synth });
            next++;
          };
          // A case that hangs: the worker is stopped and the case reported (a per-case time limit in main() is not possible).
          const inFlight: number[] = [];
          let watchdog: NodeJS.Timeout | undefined;
          const arm = () => {
            clearTimeout(watchdog);
            if (inFlight.length === 0) return;
            watchdog = setTimeout(() => {
              const stuck = inFlight[0]!;
              const c = cases.get(stuck)!;
              failures.push(
                `case ${stuck} (FUZZ_SEED=${SEED} FUZZ_CASE=${stuck}; ${c.file}: ${c.mutations.join(', ')}): hung for more than ${HANG_MS} ms`,
              );
              void worker.terminate();
            }, HANG_MS);
          };
          let closed = false;
          const send2 = () => {
            if (closed) return;
            if (next >= to) closed = true;
            send();
          };
          worker.on('message', (m: 'ready' | (Run & { index: number; ms: number; distChanged: boolean })) => {
            // Two cases in flight per worker, so that it never waits while this thread makes the next one.
            if (m === 'ready') send2();
            else {
              inFlight.splice(inFlight.indexOf(m.index), 1);
              const c = cases.get(m.index)!;
              cases.delete(m.index);
              let problem = verdict(m);
              if (m.distChanged && m.code !== 0) problem ??= 'dist/ changed although synth failed';
              const outcome = m.code === 0 ? 'valid' : 'refused';
              tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
              if (problem)
                failures.push(
                  `case ${m.index} (FUZZ_SEED=${SEED} FUZZ_CASE=${m.index}; ${c.file}: ${c.mutations.join(', ')}): ${problem}`,
                );
            }
            send2();
            arm();
          });
          // A case that kills the thread (out of memory, a stack overflow outside main()): reported with its number.
          worker.on('error', (e) => {
            const stuck = inFlight[0];
            if (stuck === undefined) return reject(e);
            const c = cases.get(stuck)!;
            failures.push(
              `case ${stuck} (FUZZ_SEED=${SEED} FUZZ_CASE=${stuck}; ${c.file}: ${c.mutations.join(', ')}): crashed the thread: ${e.message}`,
            );
          });
          worker.on('exit', () => {
            clearTimeout(watchdog);
            resolve();
          });
        }),
    ),
  );
  console.log(
    `fuzz seed ${SEED}, cases ${from}..${to - 1} in ${threads} worker threads, ${((performance.now() - t0) / 1000).toFixed(1)} s: ${[...tally].map(([k, v]) => `${v} ${k}`).join(', ')}; repeat with FUZZ_SEED=${SEED}, one case with FUZZ_CASE=<i>`,
  );
  return failures;
}
