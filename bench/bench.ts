/**
 * `npm run bench`: how fast and how big synth is. Not a test: it measures and reports, and writes `bench/RESULTS.md`.
 *
 * - whole-process commands (synth, validate, and diff when the command exists), cold: a new process each run;
 * - a generated large instance synthesized in a child process: wall time, objects/s, peak RSS, and the same objects
 *   serialized by the `yaml` library alone (the floor);
 * - the bundled environments at 1x, 10x and 100x, each in a child process.
 *
 * It measures whatever components, checks and commands exist when it runs, so it stays meaningful as they are added.
 *
 *   node .build/bench/bench.js [--runs N] [--large-runs N] [--scale 1,10,100] [--out FILE | --no-write]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LARGE_INSTANCE, writeLargeInstance, writeScaledEnvironments } from './generate.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository: this file runs as `.build/bench/bench.js`. */
const ROOT = resolve(HERE, '..', '..');
const CLI = join(ROOT, 'bin', 'rucio-gitops.js');
const BUNDLED = join(ROOT, 'environments');

/** The targets of the issue, on the 2-core machine. */
const TARGETS = { coldSynthSeconds: 0.5, floorRatio: 2.5, peakMB: 512, scalingDrop: 0.2 };

// ---------------------------------------------------------------------------------------------------------------
// Child mode: one in-process synth of an environments folder, reported as JSON on stdout.

interface ChildResult {
  readonly environments: number;
  readonly objects: number;
  readonly files: number;
  readonly importMs: number;
  readonly loadMs: number;
  readonly renderMs: number;
  /** The checks on every object. */
  readonly checksMs: number;
  /** load + render + checks: what synth does before writing. */
  readonly synthMs: number;
  /** Peak RSS (MB) after the synth, before the floor and write measurements. */
  readonly peakMB: number;
  readonly floorMs: number;
  readonly writeMs: number;
}

async function child(dir: string, out: string): Promise<void> {
  const t0 = performance.now();
  const { loadEnvironments } = await import('../src/load/environments.js');
  const { renderEnvironments, buildEnvironment } = await import('../src/synth/render.js');
  const { writeTree } = await import('../src/synth/write.js');
  const { runChecks } = await import('../src/checks/index.js');
  const { stringify } = await import('yaml');
  const t1 = performance.now();
  const envs = loadEnvironments(dir);
  const t2 = performance.now();
  const files = renderEnvironments(envs);
  const t2b = performance.now();
  // The checks synth runs on every object (schemas with unknown fields, policy, secrets) are part of synth.
  const report = await runChecks(envs, files, { out, partial: false });
  const t3 = performance.now();
  if (report.problems.length > 0)
    throw new Error(`the large instance fails its checks: ${report.problems[0]!.format()}`);
  const peakMB = process.resourceUsage().maxRSS / 1024;
  const objects = files.filter((f) => f.path.endsWith('.k8s.yaml')).length;

  // The floor: the same objects, serialized by the yaml library alone (same options as dist/ uses).
  const all = envs.flatMap((e) => buildEnvironment(e).flatMap((f) => f.objects));
  const t4 = performance.now();
  let bytes = 0;
  for (const o of all)
    bytes += stringify(o, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: true }).length;
  const t5 = performance.now();
  if (bytes === 0 || all.length !== objects)
    throw new Error(`floor serialized ${all.length} objects, synth wrote ${objects}`);

  writeTree(out, files, {});
  const t6 = performance.now();
  const result: ChildResult = {
    environments: envs.length,
    objects,
    files: files.length,
    importMs: t1 - t0,
    loadMs: t2 - t1,
    renderMs: t2b - t2,
    checksMs: t3 - t2b,
    synthMs: t3 - t1,
    peakMB,
    floorMs: t5 - t4,
    writeMs: t6 - t5,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Parent mode.

interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

function stats(values: readonly number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

const fmt = (v: number, digits = 0) =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const fmtStats = (s: Stats, digits = 0, unit = '') =>
  `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** GNU time, when installed: CPU time and peak RSS of a child process. */
const GNU_TIME =
  existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%U', 'true'], { encoding: 'utf8' }).status === 0
    ? '/usr/bin/time'
    : undefined;
const TIME_MARK = '@@bench-time@@';

interface CliRun {
  ms: number;
  cpuMs?: number;
  rssMB?: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a new process; returns wall time in ms (and CPU time and peak RSS with GNU time). */
function runCli(args: readonly string[]): CliRun {
  const argv = GNU_TIME
    ? [GNU_TIME, '-f', `${TIME_MARK} %U %S %M`, process.execPath, CLI, ...args]
    : [process.execPath, CLI, ...args];
  const t = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8' });
  const ms = performance.now() - t;
  let stderr = r.stderr;
  const run: CliRun = { ms, status: r.status, stdout: r.stdout, stderr };
  const at = stderr.lastIndexOf(TIME_MARK);
  if (at >= 0) {
    const [user, sys, rss] = stderr
      .slice(at + TIME_MARK.length)
      .trim()
      .split(/\s+/)
      .map(Number);
    stderr = stderr.slice(0, at);
    return { ...run, stderr, cpuMs: (user! + sys!) * 1000, rssMB: rss! / 1024 };
  }
  return run;
}

interface CommandRow {
  readonly command: string;
  readonly stats?: Stats;
  readonly cpu?: Stats;
  readonly rss?: Stats;
  readonly note: string;
}

async function commandsAvailable(): Promise<string[]> {
  const { COMMANDS } = await import('../src/cli/main.js');
  return Object.keys(COMMANDS);
}

function benchCommand(
  command: string,
  args: (run: number) => string[],
  runs: number,
  accept: readonly number[] = [0],
): CommandRow {
  runCli(['--help']); // warm the file system cache, not the process
  const times: number[] = [];
  const cpu: number[] = [];
  const rss: number[] = [];
  let note = '';
  for (let i = 0; i < runs; i++) {
    const r = runCli(args(i));
    if (r.status === null || !accept.includes(r.status)) {
      const why = (r.stderr || r.stdout).trim().split('\n').slice(0, 3).join(' / ');
      return { command, note: `not measured: exit ${r.status}: ${why}` };
    }
    note = `exit ${r.status}: ${r.stdout.trim().split('\n')[0] ?? ''}`.replace(/ in \/tmp\/\S+/, '');
    times.push(r.ms);
    if (r.cpuMs !== undefined) cpu.push(r.cpuMs);
    if (r.rssMB !== undefined) rss.push(r.rssMB);
  }
  return {
    command,
    stats: stats(times),
    ...(cpu.length ? { cpu: stats(cpu) } : {}),
    ...(rss.length ? { rss: stats(rss) } : {}),
    note,
  };
}

function runChild(dir: string): ChildResult {
  const out = mkdtempSync(join(tmpdir(), 'rucio-bench-out-'));
  try {
    const r = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', dir, '--child-out', join(out, 'dist')],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    if (r.status !== 0) throw new Error(`child failed (exit ${r.status}):\n${r.stderr.slice(0, 4000)}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function repeatChild(dir: string, runs: number): ChildResult[] {
  return Array.from({ length: runs }, () => runChild(dir));
}

const rate = (r: ChildResult) => r.objects / (r.synthMs / 1000);

const load = () =>
  loadavg()
    .map((l) => fmt(l, 2))
    .join(', ');

/** Which entry the installed command runs: the bundle (bin/bundle.js) when it is at least as new as the tsc output. */
function cliEntry(): string {
  const mtime = (p: string) => (existsSync(p) ? statSync(p).mtimeMs : undefined);
  const bundle = mtime(join(ROOT, '.build', 'bundle', 'cli.cjs'));
  return bundle !== undefined && bundle >= (mtime(join(ROOT, '.build', '.tsbuildinfo')) ?? Infinity)
    ? 'the bundle (.build/bundle/cli.cjs, with its V8 code cache once a command has run)'
    : 'the compiled module tree (.build/src/; no bundle)';
}

function machine(): string {
  const cpu = cpus();
  return [
    `- CPU: ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} cores`,
    `- memory: ${fmt(totalmem() / 2 ** 30, 1)} GiB`,
    `- Node ${process.version} (${process.platform} ${process.arch})`,
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- load average at the start (1, 5, 15 min): ${load()}`,
    `- the command runs ${cliEntry()}`,
  ].join('\n');
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      'child-out': { type: 'string' },
      runs: { type: 'string', default: '7' },
      'large-runs': { type: 'string', default: '3' },
      scale: { type: 'string', default: '1,10,100' },
      out: { type: 'string', default: join(ROOT, 'bench', 'RESULTS.md') },
      'no-write': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.child !== undefined) return child(values.child, values['child-out']!);

  const runs = Number(values.runs);
  const largeRuns = Number(values['large-runs']);
  const factors = values.scale.split(',').map(Number);
  const work = mkdtempSync(join(tmpdir(), 'rucio-bench-'));
  const lines: string[] = [];
  const verdicts: string[] = [];
  const verdict = (ok: boolean, what: string) => verdicts.push(`- ${ok ? 'met' : '**missed**'}: ${what}`);
  try {
    lines.push('## Machine', '', machine(), '');

    // 1. Whole-process commands, cold.
    log(`cold commands, ${runs} runs each …`);
    const commands = await commandsAvailable();
    const rows: CommandRow[] = [];
    rows.push(benchCommand('synth', (i) => ['synth', '--out', join(work, `cold-${i}`, 'dist')], runs));
    rows.push(benchCommand('validate', () => ['validate'], runs));
    if (commands.includes('diff')) {
      // diff exits 1 when the output differs from what is committed: that is a result, not a failure.
      rows.push(benchCommand('diff', () => ['diff'], runs, [0, 1]));
    } else {
      rows.push({ command: 'diff', note: 'skipped: no `diff` command in COMMANDS yet' });
    }
    rows.push(benchCommand('--help (start-up only)', () => ['--help'], runs));
    lines.push(
      `## Whole-process commands, bundled environments (cold: a new process each run, ${runs} runs)`,
      '',
      `Median (min–max). CPU = user + system time of the process${GNU_TIME ? '' : ' (not measured: /usr/bin/time is missing)'}.`,
      '',
      '| command | wall ms | CPU ms | peak RSS MB | output |',
      '|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| \`${r.command}\` | ${r.stats ? fmtStats(r.stats) : '–'} | ${r.cpu ? fmtStats(r.cpu) : '–'} | ${r.rss ? fmtStats(r.rss) : '–'} | ${r.note.replace(/\|/g, '\\|')} |`,
      ),
      '',
    );
    const synthRow = rows[0]!;
    if (synthRow.stats) {
      const s = synthRow.stats.median / 1000;
      verdict(
        s < TARGETS.coldSynthSeconds,
        `whole-process synth < ${TARGETS.coldSynthSeconds} s: median ${fmt(s, 3)} s`,
      );
    }

    // 2. The large instance.
    try {
      log(`large instance (${LARGE_INSTANCE.environments} environments), ${largeRuns} runs …`);
      const largeDir = join(work, 'large');
      writeLargeInstance(largeDir, LARGE_INSTANCE);
      const large = repeatChild(largeDir, largeRuns);
      const first = large[0]!;
      const synthS = stats(large.map((r) => r.synthMs));
      const floorS = stats(large.map((r) => r.floorMs));
      const ratioS = stats(large.map((r) => r.synthMs / r.floorMs));
      const peakS = stats(large.map((r) => r.peakMB));
      lines.push(
        `## Large instance, in process (${largeRuns} runs, each in a new process)`,
        '',
        `${LARGE_INSTANCE.environments} environments × (${LARGE_INSTANCE.daemonsReleases} daemons releases running all daemons + ` +
          `${LARGE_INSTANCE.serverReleases} server releases): **${fmt(first.objects)} objects**, ${fmt(first.files)} files.`,
        '',
        '| measure | median (min–max) |',
        '|---|---|',
        `| load (YAML + schema), ms | ${fmtStats(stats(large.map((r) => r.loadMs)))} |`,
        `| render (constructs + YAML), ms | ${fmtStats(stats(large.map((r) => r.renderMs)))} |`,
        `| checks (schemas, policy, secrets), ms | ${fmtStats(stats(large.map((r) => r.checksMs)))} |`,
        `| **synth = load + render + checks, ms** | ${fmtStats(synthS)} |`,
        `| objects/s | ${fmtStats(stats(large.map(rate)))} |`,
        `| peak RSS after synth, MB | ${fmtStats(peakS)} |`,
        `| floor: yaml.stringify of the same objects, ms | ${fmtStats(floorS)} |`,
        `| **synth / floor** | ${fmtStats(ratioS, 2)} |`,
        `| write to an empty folder, ms (not in synth) | ${fmtStats(stats(large.map((r) => r.writeMs)))} |`,
        `| module imports, ms (not in synth) | ${fmtStats(stats(large.map((r) => r.importMs)))} |`,
        '',
      );
      verdict(
        ratioS.median <= TARGETS.floorRatio,
        `large instance within ${TARGETS.floorRatio}× the YAML floor: ${fmt(ratioS.median, 2)}×`,
      );
      verdict(
        peakS.max < TARGETS.peakMB,
        `large instance under ${TARGETS.peakMB} MB peak: ${fmt(peakS.max)} MB (largest run)`,
      );
    } catch (e) {
      lines.push(
        '## Large instance',
        '',
        `not measured: ${e instanceof Error ? e.message.split('\n').slice(0, 6).join(' / ') : String(e)}`,
        '',
      );
      verdicts.push('- not measured: large instance');
    }

    // 3. Scaling of the bundled environments.
    try {
      log(`scaling ${factors.join('x, ')}x, ${largeRuns} runs each …`);
      const scaled: { factor: number; results: ChildResult[] }[] = [];
      for (const factor of factors) {
        const dir = join(work, `scale-${factor}`);
        writeScaledEnvironments(BUNDLED, dir, factor);
        scaled.push({ factor, results: repeatChild(dir, largeRuns) });
      }
      lines.push(
        `## Scaling the bundled environments (${largeRuns} runs per size, each in a new process)`,
        '',
        '| size | environments | objects | synth ms | objects/s | peak RSS MB |',
        '|---|---|---|---|---|---|',
        ...scaled.map(
          ({ factor, results }) =>
            `| ${factor}x | ${results[0]!.environments} | ${fmt(results[0]!.objects)} | ${fmtStats(stats(results.map((r) => r.synthMs)))} | ` +
            `${fmtStats(stats(results.map(rate)))} | ${fmtStats(stats(results.map((r) => r.peakMB)))} |`,
        ),
        '',
      );
      const at = (f: number) => scaled.find((s) => s.factor === f);
      const ten = at(10);
      const hundred = at(100);
      if (ten && hundred) {
        const r10 = stats(ten.results.map(rate)).median;
        const r100 = stats(hundred.results.map(rate)).median;
        const drop = 1 - r100 / r10;
        verdict(
          drop <= TARGETS.scalingDrop,
          `objects/s at 100x within ${TARGETS.scalingDrop * 100}% of 10x: ${fmt(r100)} vs ${fmt(r10)} (${drop >= 0 ? `${fmt(drop * 100, 1)}% slower` : `${fmt(-drop * 100, 1)}% faster`})`,
        );
      }
    } catch (e) {
      lines.push(
        '## Scaling',
        '',
        `not measured: ${e instanceof Error ? e.message.split('\n').slice(0, 6).join(' / ') : String(e)}`,
        '',
      );
      verdicts.push('- not measured: scaling');
    }
    lines.push('## Targets', '', ...verdicts, '', `Load average at the end (1, 5, 15 min): ${load()}.`, '');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const block = lines.join('\n');
  process.stdout.write(`${block}\n`);
  if (!values['no-write']) {
    writeResults(values.out, block);
    log(`wrote ${values.out}`);
  }
}

await main();
