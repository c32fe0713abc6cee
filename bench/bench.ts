/**
 * `npm run bench`: the goals of issue #14, each with its figure and met / missed, measured on this machine. Not a
 * test: it measures and reports, and writes the block between the markers of `bench/RESULTS.md`.
 *
 * 1. The bundled environments, whole process, in interleaved rounds: synth with the V8 code cache (parse cache off),
 *    synth with both caches (a repeated synth of unchanged files), synth with neither, the true floor (bench/floor.ts: parse the same environment files, write the same files and bytes) and start-up
 *    alone (`--help`). Ours against the helm figures recorded in the issue (helm is not installed here).
 * 2. Growth inside ONE environment: 1, 10 and 200 daemons releases (28 daemons each), whole-process synth and floor,
 *    interleaved: CPU per release, peak RSS, ours / floor.
 * 3. The objects at 200 releases (in process): the largest object, objects over 1 MiB, objects that leave the fast
 *    YAML path, and where the time goes (load, render, checks, YAML text).
 * 4. Growth across environments: the bundled environments copied 1, 10 and 50 times, whole-process synth.
 * 5. `npm run synth` after a one-value edit of an environment file (no recompilation).
 *
 * The parse cache (src/load/parse-cache.ts) is off in every run but the one named for it and `npm run synth` after an
 * edit: the floor parses every time, so ours does too where the two are compared.
 *
 * Wall time is what a user waits; CPU time (user + system, from /usr/bin/time) is the steadier figure on a shared
 * machine. Each figure is the median of its runs; ratios are medians of the ratios of paired runs.
 *
 *   node .build/bench/bench.js [--runs N] [--growth-runs N] [--releases 1,10,200] [--scale 1,10,50]
 *                              [--budget SECONDS] [--out FILE | --no-write]
 *
 * --budget (default 240 s) bounds the repeated rounds: each section stops repeating when its share is spent.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packFiles } from './floor.js';
import { writeOneEnvironment, writeScaledEnvironments } from './generate.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository: this file runs as `.build/bench/bench.js`. */
const ROOT = resolve(HERE, '..', '..');
const CLI = join(ROOT, 'bin', 'rucio-gitops.js');
const FLOOR = join(HERE, 'floor.js');
const BUNDLED = join(ROOT, 'environments');

/**
 * helm's figures, recorded in issue #14: helm 3.17.3 rendering the same releases from the upstream charts on the same
 * shared 2-core machine (medians of paired runs), measured outside the project, since helm is not installed here.
 */
const HELM = {
  version: '3.17.3',
  /** Bundled environments, seconds (the run paired with ours with a code cache, and the one without). */
  bundledCached: 0.5,
  bundledUncached: 0.51,
  /** One environment of N daemons releases × 28 daemons, seconds. */
  releases: { 10: 2.53, 200: 45.6 } as Record<number, number>,
};

/** The goals of issue #14. */
const GOALS = {
  helmCached: 0.8,
  helmUncached: 1.0,
  cpuPerReleaseGrowth: 1.1,
  peakMB: 400,
  objectBytes: 1024 * 1024,
  floorRatio: 2.0,
  npmSynthSeconds: 2,
};

// ---------------------------------------------------------------------------------------------------------------
// Child mode: one in-process synth of a folder, reported as JSON on stdout.

interface ObjectsResult {
  readonly objects: number;
  readonly files: number;
  readonly bytes: number;
  readonly loadMs: number;
  readonly renderMs: number;
  readonly checksMs: number;
  readonly textMs: number;
  readonly cpuMs: number;
  readonly peakMB: number;
  readonly largest: { readonly path: string; readonly bytes: number };
  readonly overBound: readonly string[];
  readonly slowPath: readonly string[];
  readonly problems: number;
}

async function objectsChild(dir: string): Promise<void> {
  const { loadEnvironments } = await import('../src/load/environments.js');
  const { renderEnvironments } = await import('../src/synth/render.js');
  const { runChecks, objectBytes, MAX_OBJECT_BYTES } = await import('../src/checks/index.js');
  const { emitYaml } = await import('../src/synth/yaml-emit.js');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const envs = loadEnvironments(dir);
  const t1 = performance.now();
  const files = renderEnvironments(envs);
  const t2 = performance.now();
  const report = await runChecks(envs, files, { out: 'dist', partial: false });
  const t3 = performance.now();
  let bytes = 0;
  for (const f of files) bytes += Buffer.byteLength(f.text);
  const t4 = performance.now();
  const cpu = process.cpuUsage(c0);
  const peakMB = process.resourceUsage().maxRSS / 1024;
  let largest = { path: '', bytes: 0 };
  const overBound: string[] = [];
  const slowPath: string[] = [];
  for (const f of files) {
    if (!f.object) continue;
    const size = objectBytes(f.object);
    if (size > largest.bytes) largest = { path: f.path, bytes: size };
    if (size > MAX_OBJECT_BYTES) overBound.push(f.path);
    if (emitYaml(f.object) === undefined) slowPath.push(f.path);
  }
  const result: ObjectsResult = {
    objects: files.filter((f) => f.object).length,
    files: files.length,
    bytes,
    loadMs: t1 - t0,
    renderMs: t2 - t1,
    checksMs: t3 - t2,
    textMs: t4 - t3,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakMB,
    largest,
    overBound,
    slowPath,
    problems: report.problems.length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring processes.

interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

function stats(values: readonly number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, n: s.length };
}

const fmt = (v: number, digits = 0) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';
const fmtStats = (s: Stats | undefined, digits = 0) =>
  s === undefined || s.n === 0
    ? '–'
    : s.n === 1
      ? fmt(s.median, digits)
      : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** GNU time, when installed: CPU time and peak RSS of a child process. */
const GNU_TIME =
  existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%U', 'true'], { encoding: 'utf8' }).status === 0
    ? '/usr/bin/time'
    : undefined;
const TIME_MARK = '@@bench-time@@';

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssMB: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command as a new process: wall time, and CPU time and peak RSS with GNU time (NaN without). */
/** The environment of a measured run: the parse cache off (see the header), unless a run says otherwise. */
const RUN_ENV: NodeJS.ProcessEnv = { ...process.env, RUCIO_GITOPS_PARSE_CACHE: 'off' };

function timed(argv: readonly string[], env: NodeJS.ProcessEnv = RUN_ENV): Run {
  const full = GNU_TIME ? [GNU_TIME, '-f', `${TIME_MARK} %U %S %M`, ...argv] : [...argv];
  const t = performance.now();
  const r = spawnSync(full[0]!, full.slice(1), { cwd: ROOT, encoding: 'utf8', env, maxBuffer: 256 << 20 });
  const wallMs = performance.now() - t;
  let stderr = r.stderr ?? '';
  const at = stderr.lastIndexOf(TIME_MARK);
  let cpuMs = NaN;
  let rssMB = NaN;
  if (at >= 0) {
    const [user, sys, rss] = stderr
      .slice(at + TIME_MARK.length)
      .trim()
      .split(/\s+/)
      .map(Number);
    stderr = stderr.slice(0, at);
    cpuMs = (user! + sys!) * 1000;
    rssMB = rss! / 1024;
  }
  return { wallMs, cpuMs, rssMB, status: r.status, stdout: r.stdout ?? '', stderr };
}

/** Fails the section when a measured command did not succeed (a figure of a failed run would be meaningless). */
function ok(r: Run, what: string): Run {
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-4).join(' / ');
    throw new Error(`${what}: exit ${r.status}: ${why}`);
  }
  return r;
}

const synthArgs = (environments: string, out: string) => [
  process.execPath,
  CLI,
  'synth',
  '--environments',
  environments,
  '--out',
  out,
];

function walk(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(full, base));
    else out.push(relative(base, full).split(sep).join('/'));
  }
  return out.sort();
}

/** Synthesizes once into `out` and packs the files written, for the floor to write the same bytes. */
function makePack(environments: string, work: string, name: string): { pack: string; files: number; bytes: number } {
  const out = join(work, `${name}-reference`);
  ok(timed(synthArgs(environments, out)), `synth of ${name}`);
  const files = walk(out).map((path) => ({ path, text: readFileSync(join(out, path), 'utf8') }));
  const pack = join(work, `${name}.pack`);
  writeFileSync(pack, packFiles(files));
  rmSync(out, { recursive: true, force: true });
  return { pack, files: files.length, bytes: files.reduce((n, f) => n + Buffer.byteLength(f.text), 0) };
}

/**
 * The time budget: each section repeats its rounds until it has made its runs or spent its share of the budget,
 * whichever comes first (at least one round), so that a run on a busy machine stays bounded.
 */
let budgetMs = 420_000;
function rounds(runs: number, share: number): (i: number) => boolean {
  const deadline = performance.now() + budgetMs * share;
  return (i) => i < runs && (i === 0 || performance.now() < deadline);
}

let outCounter = 0;
/** A new output folder (removed after the run, so that large outputs do not pile up). */
function withOut<T>(work: string, f: (out: string) => T): T {
  const out = join(work, `out-${outCounter++}`);
  try {
    return f(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const load = () =>
  loadavg()
    .map((l) => fmt(l, 2))
    .join(', ');

function machine(): string[] {
  const cpu = cpus();
  const [one] = loadavg();
  return [
    `- CPU: ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} cores`,
    `- memory: ${fmt(totalmem() / 2 ** 30, 1)} GiB`,
    `- Node ${process.version} (${process.platform} ${process.arch})`,
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- load average at the start (1, 5, 15 min): ${load()}${one! > cpu.length ? ` — **the machine was loaded** (more runnable processes than cores: wall times are inflated, CPU times are the steadier figures)` : ''}`,
    `- CPU time and peak RSS: ${GNU_TIME ? '/usr/bin/time (user + system of the process)' : 'not measured (/usr/bin/time is missing)'}`,
  ];
}

const BEGIN = '<!-- bench:begin (generated by npm run bench; edit outside these markers) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated block of RESULTS.md, keeping the hand-written notes around it. */
function writeResults(file: string, block: string): void {
  const generated = `${BEGIN}\n${block.trimEnd()}\n${END}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const a = current.indexOf(BEGIN);
  const b = current.indexOf(END);
  const text =
    a >= 0 && b > a
      ? `${current.slice(0, a)}${generated}${current.slice(b + END.length)}`
      : `# Benchmark results\n\nProduced by \`npm run bench\` (bench/bench.ts).\n\n${generated}\n`;
  writeFileSync(file, text);
}

// ---------------------------------------------------------------------------------------------------------------
// The sections.

interface Goal {
  readonly goal: string;
  readonly figure: string;
  readonly met: boolean | undefined;
}

const goals: Goal[] = [];
function goal(text: string, figure: string, met: boolean | undefined): void {
  goals.push({ goal: text, figure, met });
}

const ratios = (a: readonly Run[], b: readonly Run[], key: 'wallMs' | 'cpuMs') =>
  stats(a.map((r, i) => r[key] / b[i]![key]));

/** The phases a command reported with RUCIO_GITOPS_TIMINGS=1: name → [wall ms, CPU ms], in order. */
function phases(stderr: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  const line = /rucio-gitops timings \(wall\/cpu ms\): (.*)$/m.exec(stderr)?.[1];
  for (const m of (line ?? '').matchAll(/(\w+) (\d+)\/(\d+) \(peak/g)) out.set(m[1]!, [Number(m[2]), Number(m[3])]);
  return out;
}

/** Where the time of the runs goes, phase by phase (medians), when they reported their phases. */
function phaseTable(runs: readonly Run[]): string[] {
  const all = runs.map((r) => phases(r.stderr)).filter((p) => p.size > 0);
  if (all.length === 0) return [];
  const names = [...all[0]!.keys()].filter((n) => n !== 'end');
  const label: Record<string, string> = {
    start: 'start-up (Node, reading and compiling the bundle, loading the modules)',
    load: 'load (parse, schema and credential checks of the environment files)',
    render: 'render (plan, constructs, objects)',
    checks: 'checks (schemas, policy, credentials, Kubernetes rules), YAML text and writing each file',
    write: 'swap the new tree in',
  };
  return [
    `Where the time of a synth with the code cache goes (\`RUCIO_GITOPS_TIMINGS=1\`, in process, median of ${all.length} runs):`,
    '',
    '| phase | wall ms | CPU ms |',
    '|---|---|---|',
    ...names.map((n) => {
      const wall = stats(all.map((p) => p.get(n)?.[0] ?? NaN)).median;
      const cpu = stats(all.map((p) => p.get(n)?.[1] ?? NaN)).median;
      return `| ${label[n] ?? n} | ${fmt(wall)} | ${fmt(cpu)} |`;
    }),
    '',
  ];
}

function bundledSection(work: string, runs: number, lines: string[]): void {
  log(`bundled environments, ${runs} interleaved rounds …`);
  // The cache as a fresh install has it: made at build time; make it here if a build left none.
  const cache = join(ROOT, '.build', 'bundle', 'cli.cjs.cache');
  if (!existsSync(cache)) withOut(work, (out) => ok(timed(synthArgs(BUNDLED, out)), 'synth (making the cache)'));
  const bundle = existsSync(join(ROOT, '.build', 'bundle', 'cli.cjs'));
  const { pack, files, bytes } = makePack(BUNDLED, work, 'bundled');
  const noCache = { ...process.env, RUCIO_GITOPS_CODE_CACHE: 'off', RUCIO_GITOPS_PARSE_CACHE: 'off' };
  // The cached runs also report their phases (src/timings.ts), for the table of where the time goes.
  const timings = { ...process.env, RUCIO_GITOPS_TIMINGS: '1', RUCIO_GITOPS_PARSE_CACHE: 'off' };
  // Both caches: the parse cache of this run's own folder, filled by the first round.
  const parseCache = join(work, 'parse-cache');
  const warm = { ...process.env, RUCIO_GITOPS_PARSE_CACHE: parseCache };
  const kinds = ['cached', 'warm', 'uncached', 'floor', 'startup'] as const;
  const results: Record<(typeof kinds)[number], Run[]> = { cached: [], warm: [], uncached: [], floor: [], startup: [] };
  const more = rounds(runs, 0.2);
  for (let i = 0; more(i); i++) {
    // Rotate the order, so that no kind always runs first (or right after the same other kind).
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(i + k) % kinds.length]!;
      withOut(work, (out) => {
        const r =
          kind === 'cached'
            ? timed(synthArgs(BUNDLED, out), timings)
            : kind === 'warm'
              ? timed(synthArgs(BUNDLED, out), warm)
              : kind === 'uncached'
                ? timed(synthArgs(BUNDLED, out), noCache)
                : kind === 'floor'
                  ? timed([process.execPath, FLOOR, BUNDLED, pack, out])
                  : timed([process.execPath, CLI, '--help']);
        results[kind].push(ok(r, kind));
      });
    }
  }
  const row = (name: string, rs: readonly Run[]) =>
    `| ${name} | ${fmtStats(stats(rs.map((r) => r.wallMs)))} | ${fmtStats(stats(rs.map((r) => r.cpuMs)))} | ${fmtStats(stats(rs.map((r) => r.rssMB)))} |`;
  const wall = (rs: readonly Run[]) => stats(rs.map((r) => r.wallMs)).median / 1000;
  const cachedHelm = wall(results.cached) / HELM.bundledCached;
  const uncachedHelm = wall(results.uncached) / HELM.bundledUncached;
  const floorWall = ratios(results.cached, results.floor, 'wallMs');
  const floorCpu = ratios(results.cached, results.floor, 'cpuMs');
  lines.push(
    `## 1. Bundled environments, whole process (${results.cached.length} interleaved rounds)`,
    '',
    `\`rucio-gitops synth\` of \`environments/\` into a new folder (${fmt(files)} files, ${fmt(bytes / 1024)} KiB), ` +
      `running ${bundle ? 'the bundle (.build/bundle/cli.cjs)' : 'the compiled module tree (no bundle)'}. Median (min–max).`,
    '',
    '| run | wall ms | CPU ms | peak RSS MB |',
    '|---|---|---|---|',
    row('synth, with the code cache (made at build time), parse cache off', results.cached),
    row('synth, with the code cache and the parse cache (a repeated synth of unchanged files)', results.warm.slice(1)),
    row('synth, with neither cache', results.uncached),
    row('true floor: parse the environment files, write the same files and bytes', results.floor),
    row('start-up only (`--help`)', results.startup),
    '',
    `| ratio | median of paired rounds |`,
    '|---|---|',
    `| ours / true floor, wall | ${fmtStats(floorWall, 2)} |`,
    `| ours / true floor, CPU | ${fmtStats(floorCpu, 2)} |`,
    `| ours (cache) / helm ${HELM.version} (recorded: ${HELM.bundledCached} s) | ${fmt(cachedHelm, 2)} |`,
    `| ours (neither cache) / helm ${HELM.version} (recorded: ${HELM.bundledUncached} s) | ${fmt(uncachedHelm, 2)} |`,
    '',
    ...phaseTable(results.cached),
  );
  const cpuS = (rs: readonly Run[]) => stats(rs.map((r) => r.cpuMs)).median / 1000;
  goal(
    `bundled environments, with the code cache: ours / helm ≤ ${GOALS.helmCached}`,
    `${fmt(cachedHelm, 2)} in wall time (${fmt(wall(results.cached), 3)} s against helm's recorded ${HELM.bundledCached} s); ` +
      `by CPU time ${fmt(cpuS(results.cached) / HELM.bundledCached, 2)} (${fmt(cpuS(results.cached), 3)} s); ` +
      `with the parse cache too, ${fmt(wall(results.warm.slice(1)) / HELM.bundledCached, 2)} (${fmt(wall(results.warm.slice(1)), 3)} s)`,
    cachedHelm <= GOALS.helmCached,
  );
  goal(
    `bundled environments, without the code cache: ours / helm ≤ ${GOALS.helmUncached}`,
    `${fmt(uncachedHelm, 2)} in wall time (${fmt(wall(results.uncached), 3)} s against helm's recorded ${HELM.bundledUncached} s); ` +
      `by CPU time ${fmt(cpuS(results.uncached) / HELM.bundledUncached, 2)} (${fmt(cpuS(results.uncached), 3)} s)`,
    uncachedHelm <= GOALS.helmUncached,
  );
}

function oneEnvironmentSection(work: string, sizes: readonly number[], runs: number, lines: string[]): void {
  log(`one environment of ${sizes.join(', ')} daemons releases, ${runs} interleaved rounds …`);
  const cases = sizes.map((releases) => {
    const dir = join(work, `one-${releases}`);
    writeOneEnvironment(dir, releases);
    return { releases, dir, ...makePack(dir, work, `one-${releases}`), ours: [] as Run[], floor: [] as Run[] };
  });
  const more = rounds(runs, 0.45);
  for (let i = 0; more(i); i++) {
    for (const c of i % 2 ? [...cases].reverse() : cases) {
      const pair = [
        () => withOut(work, (out) => c.ours.push(ok(timed(synthArgs(c.dir, out)), `synth of ${c.releases} releases`))),
        () =>
          withOut(work, (out) =>
            c.floor.push(
              ok(timed([process.execPath, FLOOR, c.dir, join(work, `one-${c.releases}.pack`), out]), 'floor'),
            ),
          ),
      ];
      for (const f of i % 2 ? pair.reverse() : pair) f();
    }
  }
  const cpu = (c: (typeof cases)[number]) => stats(c.ours.map((r) => r.cpuMs)).median;
  const base = cases[0]!;
  /** CPU per release beyond the smallest case: start-up and the environment's fixed objects left out. */
  const perRelease = (c: (typeof cases)[number]) => (cpu(c) - cpu(base)) / (c.releases - base.releases);
  lines.push(
    `## 2. Growth inside ONE environment (whole process, ${base.ours.length} interleaved rounds)`,
    '',
    'One environment (`bench/generate.ts`: `writeOneEnvironment`) with N daemons releases running all 28 daemons, and a ' +
      'server release per 10 daemons releases. "CPU per release" is the marginal cost: (CPU at N − CPU at ' +
      `${base.releases}) / (N − ${base.releases}), so start-up is not spread over the releases.`,
    '',
    '| releases | files | output MB | synth wall ms | synth CPU ms | CPU per release ms | peak RSS MB | floor wall ms | floor CPU ms | ours / floor (wall) | ours / floor (CPU) | ours / helm (recorded) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...cases.map((c) => {
      const wall = stats(c.ours.map((r) => r.wallMs));
      const helm = HELM.releases[c.releases];
      return (
        `| ${c.releases} | ${fmt(c.files)} | ${fmt(c.bytes / 2 ** 20, 1)} | ${fmtStats(wall)} | ${fmtStats(stats(c.ours.map((r) => r.cpuMs)))} | ` +
        `${c === base ? '–' : fmt(perRelease(c), 1)} | ${fmtStats(stats(c.ours.map((r) => r.rssMB)))} | ` +
        `${fmtStats(stats(c.floor.map((r) => r.wallMs)))} | ${fmtStats(stats(c.floor.map((r) => r.cpuMs)))} | ` +
        `${fmtStats(ratios(c.ours, c.floor, 'wallMs'), 2)} | ${fmtStats(ratios(c.ours, c.floor, 'cpuMs'), 2)} | ` +
        `${helm ? `${fmt(wall.median / 1000 / helm, 2)} (helm ${helm} s)` : '–'} |`
      );
    }),
    '',
  );
  const at = (n: number) => cases.find((c) => c.releases === n);
  const ten = at(10);
  const top = at(200) ?? cases[cases.length - 1]!;
  if (ten && top !== ten) {
    const growth = perRelease(top) / perRelease(ten);
    goal(
      `${top.releases} releases in ONE environment: CPU per release within ${GOALS.cpuPerReleaseGrowth}× of that at 10`,
      `${fmt(growth, 2)}× (${fmt(perRelease(ten), 1)} ms at 10, ${fmt(perRelease(top), 1)} ms at ${top.releases})`,
      growth <= GOALS.cpuPerReleaseGrowth,
    );
  }
  const peak = stats(top.ours.map((r) => r.rssMB));
  goal(
    `${top.releases} releases in ONE environment: peak memory ≤ ${GOALS.peakMB} MB`,
    `${fmt(peak.max)} MB (largest run; median ${fmt(peak.median)} MB)`,
    peak.max <= GOALS.peakMB,
  );
  const floorWall = ratios(top.ours, top.floor, 'wallMs');
  const floorCpu = ratios(top.ours, top.floor, 'cpuMs');
  goal(
    `ours / true floor ≤ ${GOALS.floorRatio} at ${top.releases} releases`,
    `${fmt(floorWall.median, 2)} in wall time (${fmt(floorCpu.median, 2)} in CPU time)`,
    floorWall.median <= GOALS.floorRatio,
  );
}

function objectsSection(work: string, releases: number, lines: string[]): void {
  log(`objects at ${releases} releases (in process) …`);
  const dir = join(work, `one-${releases}`);
  if (!existsSync(dir)) writeOneEnvironment(dir, releases);
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--objects', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`objects child failed (exit ${r.status}): ${r.stderr.slice(0, 2000)}`);
  const o = JSON.parse(r.stdout.trim().split('\n').pop()!) as ObjectsResult;
  lines.push(
    `## 3. The objects of ${releases} releases in one environment (in process, one run)`,
    '',
    '| measure | value |',
    '|---|---|',
    `| objects / files | ${fmt(o.objects)} / ${fmt(o.files)} (${fmt(o.bytes / 2 ** 20, 1)} MB of YAML) |`,
    `| load ms / render ms / checks ms / YAML text ms | ${fmt(o.loadMs)} / ${fmt(o.renderMs)} / ${fmt(o.checksMs)} / ${fmt(o.textMs)} |`,
    `| CPU ms (load + render + checks + YAML text) | ${fmt(o.cpuMs)} |`,
    `| peak RSS MB | ${fmt(o.peakMB)} |`,
    `| largest object (compact JSON) | ${fmt(o.largest.bytes)} bytes: \`${o.largest.path}\` |`,
    `| objects over 1 MiB | ${o.overBound.length === 0 ? 'none' : o.overBound.join(', ')} |`,
    `| objects written by the slow YAML path (the \`yaml\` library) | ${o.slowPath.length === 0 ? 'none' : `${o.slowPath.length}: ${o.slowPath.slice(0, 5).join(', ')}`} |`,
    `| check problems | ${o.problems} |`,
    '',
  );
  goal(
    `every generated object ≤ 1 MiB at ${releases} releases in one environment (enforced by the checks)`,
    `largest ${fmt(o.largest.bytes / 1024)} KiB (${o.largest.path.split('/').pop()}); ${o.overBound.length} over`,
    o.overBound.length === 0 && o.problems === 0,
  );
  goal(
    'no object falls back to the slow YAML path',
    `${o.slowPath.length} of ${fmt(o.objects)} objects`,
    o.slowPath.length === 0,
  );
}

function manyEnvironmentsSection(work: string, factors: readonly number[], runs: number, lines: string[]): void {
  log(`the bundled environments ×${factors.join(', ×')}, ${runs} interleaved rounds …`);
  const cases = factors.map((factor) => {
    const dir = join(work, `scale-${factor}`);
    const names = writeScaledEnvironments(BUNDLED, dir, factor);
    return { factor, dir, environments: names.length, runs: [] as Run[], objects: 0 };
  });
  const more = rounds(runs, 0.12);
  for (let i = 0; more(i); i++) {
    for (const c of i % 2 ? [...cases].reverse() : cases) {
      withOut(work, (out) => {
        const r = ok(timed(synthArgs(c.dir, out)), `synth ×${c.factor}`);
        c.objects = Number(/: (\d+) objects/.exec(r.stdout)?.[1] ?? NaN);
        c.runs.push(r);
      });
    }
  }
  const cpu = (c: (typeof cases)[number]) => stats(c.runs.map((r) => r.cpuMs)).median;
  const base = cases[0]!;
  lines.push(
    `## 4. Growth across environments (whole process, ${base.runs.length} interleaved rounds)`,
    '',
    'The bundled environments copied N times (`integration-x001`, …). "CPU per environment" is the marginal cost ' +
      `beyond ×${base.factor}.`,
    '',
    '| size | environments | objects | synth wall ms | synth CPU ms | CPU per environment ms | peak RSS MB |',
    '|---|---|---|---|---|---|---|',
    ...cases.map(
      (c) =>
        `| ×${c.factor} | ${c.environments} | ${fmt(c.objects)} | ${fmtStats(stats(c.runs.map((r) => r.wallMs)))} | ` +
        `${fmtStats(stats(c.runs.map((r) => r.cpuMs)))} | ${c === base ? '–' : fmt((cpu(c) - cpu(base)) / (c.environments - base.environments), 1)} | ` +
        `${fmtStats(stats(c.runs.map((r) => r.rssMB)))} |`,
    ),
    '',
  );
}

function npmSynthSection(work: string, runs: number, lines: string[]): void {
  log(`npm run synth after a one-value edit, ${runs} runs …`);
  const envs = join(work, 'npm-environments');
  cpSync(BUNDLED, envs, { recursive: true });
  const out = join(work, 'npm-out');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = [npm, 'run', '-s', 'synth', '--', '--environments', envs, '--out', out];
  // With the parse cache, as an operator runs it: the files not edited come from it.
  const cached = { ...process.env, RUCIO_GITOPS_PARSE_CACHE: join(work, 'npm-parse-cache') };
  ok(timed(args, cached), 'npm run synth (first run)');
  const file = join(envs, 'production.yaml');
  const original = readFileSync(file, 'utf8');
  if (!/conveyorReceiverCount: 1\b/.test(original)) throw new Error('production.yaml has no conveyorReceiverCount: 1');
  const rs: Run[] = [];
  const more = rounds(runs, 0.08);
  for (let i = 0; more(i); i++) {
    writeFileSync(file, original.replace(/conveyorReceiverCount: 1\b/, `conveyorReceiverCount: ${i % 2 ? 1 : 2}`));
    const r = ok(timed(args, cached), 'npm run synth');
    if (/compiling/.test(r.stderr)) throw new Error('npm run synth recompiled after an environment edit');
    if (!/\(1 written/.test(r.stdout)) throw new Error(`npm run synth did not write the edited object: ${r.stdout}`);
    rs.push(r);
  }
  const wall = stats(rs.map((r) => r.wallMs));
  const cpu = stats(rs.map((r) => r.cpuMs));
  lines.push(
    `## 5. \`npm run synth\` after a one-value edit (${rs.length} runs)`,
    '',
    'A copy of the bundled environments; each run changes `conveyorReceiverCount` in production.yaml and runs ' +
      '`npm run -s synth -- --environments COPY --out OUT` (npm, the build check, synth writing one changed file).',
    '',
    '| wall ms | CPU ms (npm, build check, synth) | peak RSS MB |',
    '|---|---|---|',
    `| ${fmtStats(wall)} | ${fmtStats(cpu)} | ${fmtStats(stats(rs.map((r) => r.rssMB)))} |`,
    '',
  );
  goal(
    `\`npm run synth\` after a one-value edit ≤ ${GOALS.npmSynthSeconds} s (no recompilation)`,
    `${fmt(wall.median / 1000, 2)} s wall (CPU ${fmt(cpu.median / 1000, 2)} s), nothing recompiled`,
    wall.median / 1000 <= GOALS.npmSynthSeconds,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string' },
      runs: { type: 'string', default: '7' },
      'growth-runs': { type: 'string', default: '5' },
      releases: { type: 'string', default: '1,10,200' },
      scale: { type: 'string', default: '1,10,50' },
      out: { type: 'string', default: join(ROOT, 'bench', 'RESULTS.md') },
      budget: { type: 'string', default: '240' },
      'no-write': { type: 'boolean', default: false },
    },
    strict: true,
  });
  budgetMs = Number(values.budget) * 1000;
  if (values.objects !== undefined) return objectsChild(values.objects);

  const runs = Number(values.runs);
  const growthRuns = Number(values['growth-runs']);
  const sizes = values.releases.split(',').map(Number);
  const factors = values.scale.split(',').map(Number);
  const work = mkdtempSync(join(tmpdir(), 'rucio-bench-'));
  const started = performance.now();
  const lines: string[] = ['## Machine', '', ...machine(), ''];
  const section = (name: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      lines.push(`## ${name}`, '', `not measured: ${e instanceof Error ? e.message : String(e)}`, '');
      goal(name, 'not measured', undefined);
    }
  };
  try {
    section('Bundled environments', () => bundledSection(work, runs, lines));
    section('One environment', () => oneEnvironmentSection(work, sizes, growthRuns, lines));
    section('Objects', () => objectsSection(work, sizes[sizes.length - 1]!, lines));
    section('Many environments', () => manyEnvironmentsSection(work, factors, growthRuns, lines));
    section('npm run synth', () => npmSynthSection(work, Math.max(3, Math.min(runs, 5)), lines));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const verdict = (m: boolean | undefined) => (m === undefined ? 'not measured' : m ? 'met' : '**missed**');
  lines.push(
    '## Goals',
    '',
    '| goal | figure | |',
    '|---|---|---|',
    ...goals.map((g) => `| ${g.goal} | ${g.figure} | ${verdict(g.met)} |`),
    '',
    `helm figures: recorded in issue #14 (helm ${HELM.version}, upstream charts, same machine, measured outside the ` +
      'project: helm is not installed here); every other figure was measured by this run.',
    '',
    `Load average at the end (1, 5, 15 min): ${load()}. The run took ${fmt((performance.now() - started) / 1000)} s.`,
    '',
  );
  const block = lines.join('\n');
  process.stdout.write(`${block}\n`);
  if (!values['no-write']) {
    writeResults(values.out, block);
    log(`wrote ${values.out}`);
  }
}

await main();
