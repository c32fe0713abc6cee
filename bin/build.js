#!/usr/bin/env node
// `npm run build`, and `npm install` / `npm ci` through the `prepare` script: compiles the TypeScript into .build/
// (tsc), bundles the command line (bin/bundle.js) and makes the bundle's V8 code cache by running one synth into a
// temporary folder, so that a fresh install starts from the cache. It does all that only when an input changed since
// the last build: a source file (.ts under the folders tsconfig.json includes, or a folder's list of files), the
// TypeScript or package configuration, or these build scripts; otherwise it returns at once. So `npm run synth` after
// an edit of an environment file runs synth without recompiling.
//
//   node bin/build.js [--force] [--quiet] [--run COMMAND [ARGS...]]
//
// With --run, the command line runs next in the same process (`npm run synth` is `node bin/build.js --quiet --run
// synth`): one Node start instead of two after an edit of an environment file.
//
// Inputs are compared by modification time with the time the last successful build started (kept in
// .build/.build-stamp), so a file saved while a build runs is seen by the next one. A plain `tsc` run after the build
// changes .build/.tsbuildinfo: the next build then bundles again.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = join(root, '.build');
const stamp = join(build, '.build-stamp');
const runAt = process.argv.indexOf('--run');
const own = runAt < 0 ? process.argv.slice(2) : process.argv.slice(2, runAt);
const force = own.includes('--force');
const quiet = own.includes('--quiet');

/** Runs the command line after --run in this process, as `node bin/rucio-gitops.js ARGS…` would. */
async function runCommand() {
  if (runAt < 0) return;
  process.argv = [
    process.argv[0],
    fileURLToPath(new URL('rucio-gitops.js', import.meta.url)),
    ...process.argv.slice(runAt + 1),
  ];
  await import('./rucio-gitops.js');
}
const say = (text) => {
  if (!quiet) process.stderr.write(`${text}\n`);
};

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

/** The newest modification time among the build's inputs (files and the folders holding them). */
function newestInput() {
  let newest = 0;
  const see = (path) => {
    const t = mtime(path);
    if (t !== undefined && t > newest) newest = t;
  };
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    see(dir); // a file added, removed or renamed changes its folder's time
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) see(p);
    }
  };
  for (const dir of ['constructs', 'values', 'src', 'bench']) walk(join(root, dir));
  for (const file of ['tsconfig.json', 'package.json', 'package-lock.json', 'bin/build.js', 'bin/bundle.js'])
    see(join(root, file));
  return newest;
}

/** The stamp: when the last successful build started, and the tsc output it left. */
function readStamp() {
  try {
    return JSON.parse(readFileSync(stamp, 'utf8'));
  } catch {
    return undefined;
  }
}

function upToDate() {
  const last = readStamp();
  if (typeof last?.started !== 'number' || typeof last?.tsbuildinfo !== 'number') return false;
  // Someone ran tsc after the last build, or removed its output.
  if (mtime(join(build, '.tsbuildinfo')) !== last.tsbuildinfo) return false;
  if (!existsSync(join(build, 'src', 'cli', 'main.js'))) return false;
  return newestInput() <= last.started;
}

if (force || !upToDate()) {
  // Two builds at once (two `npm run synth`, or test workers that each build) would have tsc and the bundler write the
  // same files together: the second waits for the first, then builds only if the sources are still newer.
  const release = lock();
  try {
    if (force || !upToDate()) compile();
  } finally {
    release();
  }
}
await runCommand();

/**
 * Takes .build/.build-lock (created exclusively, holding this process's id) and returns its release. A lock whose
 * process is gone (a build killed half way) is taken over; one held longer than ten minutes is an error naming it.
 */
function lock() {
  const file = join(build, '.build-lock');
  mkdirSync(build, { recursive: true });
  const deadline = Date.now() + 600_000;
  let told = false;
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      // Also released when a step fails and the build exits (process.exit skips `finally`).
      const release = () => rmSync(file, { force: true });
      process.once('exit', release);
      return release;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let holder;
    try {
      holder = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    } catch {
      continue; // released meanwhile
    }
    if (!alive(holder)) {
      // Gone without releasing it: remove it only if it still names that process (another waiter may have already).
      try {
        if (readFileSync(file, 'utf8').trim() === String(holder)) rmSync(file, { force: true });
      } catch {
        // removed meanwhile
      }
      continue;
    }
    if (Date.now() > deadline) {
      process.stderr.write(
        `rucio-gitops: another build (process ${holder}) has held ${file} for ten minutes; ` +
          'stop it, or remove the file if that process is not a build\n',
      );
      process.exit(1);
    }
    if (!told) say(`rucio-gitops: waiting for the build of process ${holder} …`);
    told = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

/** Whether a process with this id exists (signal 0 tests without sending anything). */
function alive(pid) {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function compile() {
  const started = Date.now();
  const run = (args, what) => {
    const r = spawnSync(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
    });
    if (r.status !== 0) {
      process.stderr.write(`rucio-gitops: ${what} failed (exit ${r.status ?? r.signal})\n`);
      process.exit(r.status ?? 1);
    }
  };

  say('rucio-gitops: sources changed: compiling …');
  let tsc;
  try {
    tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write(
      'rucio-gitops: typescript is not installed (a production-only install?): the command is not built; ' +
        "install the dev dependencies (npm ci) and run 'npm run build'\n",
    );
    process.exit(1);
  }
  rmSync(stamp, { force: true });
  // The parse cache's entries belong to the code that made them (src/load/parse-cache.ts).
  rmSync(join(build, 'cache'), { recursive: true, force: true });
  run([tsc, '-p', join(root, 'tsconfig.json')], 'tsc');
  run([join(root, 'bin', 'bundle.js')], 'bundling');

  // The code cache: one synth of the bundled environments into a temporary folder makes the command write
  // .build/bundle/cli.cjs.cache with the code V8 compiled for it. Without environments to synthesize (or when they do
  // not validate) there is no cache yet, and the first command that succeeds writes it.
  if (existsSync(join(build, 'bundle', 'cli.cjs')) && existsSync(join(root, 'environments'))) {
    const out = mkdtempSync(join(tmpdir(), 'rucio-gitops-build-'));
    try {
      const r = spawnSync(
        process.execPath,
        [join(root, 'bin', 'rucio-gitops.js'), 'synth', '--out', join(out, 'dist')],
        {
          cwd: root,
          stdio: 'ignore',
        },
      );
      if (r.status !== 0 || !existsSync(join(build, 'bundle', 'cli.cjs.cache')))
        say('rucio-gitops: no code cache made (the environments do not synthesize); the first command makes it');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  writeFileSync(stamp, `${JSON.stringify({ started, tsbuildinfo: mtime(join(build, '.tsbuildinfo')) })}\n`);
}
