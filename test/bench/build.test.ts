/**
 * `npm run build` (bin/build.js, also run by `prepare` on npm install / npm ci and before synth, validate, schema, test
 * and bench) compiles only when an input changed since the last successful build. Tested on a copy of the script in
 * a folder without TypeScript: "up to date" exits at once and silently; any reason to rebuild reaches the compile
 * step, which there fails with its message (so the decision is observed without compiling the project).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO as ROOT } from '../helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

let dir = '';
/** A project that was built: sources, the tsc output and a stamp written after both. */
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rucio-build-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'build.js'), join(dir, 'bin', 'build.js'));
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
  writeFileSync(join(dir, 'tsconfig.json'), '{}\n');
  for (const d of ['src/cli', 'constructs', 'values', 'bench']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), 'export const a = 1;\n');
  writeFileSync(join(dir, 'values', 'x.ts'), 'export const x = 1;\n');
  const past = new Date(Date.now() - 60_000);
  for (const p of ['package.json', 'tsconfig.json', 'bin/build.js', 'src/cli/main.ts', 'values/x.ts', 'src/cli', 'src'])
    utimesSync(join(dir, p), past, past);
  for (const d of ['constructs', 'values', 'bench']) utimesSync(join(dir, d), past, past);
  mkdirSync(join(dir, '.build', 'src', 'cli'), { recursive: true });
  writeFileSync(join(dir, '.build', 'src', 'cli', 'main.js'), 'export const a = 1;\n');
  writeFileSync(join(dir, '.build', '.tsbuildinfo'), '{}');
  const tsbuildinfo = statSync(join(dir, '.build', '.tsbuildinfo')).mtimeMs;
  writeFileSync(
    join(dir, '.build', '.build-stamp'),
    `${JSON.stringify({ started: Date.now() - 30_000, tsbuildinfo })}\n`,
  );
});

const build = () => spawnSync(process.execPath, [join(dir, 'bin', 'build.js')], { cwd: dir, encoding: 'utf8' });
const expectUpToDate = () => {
  const r = build();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
};
const expectRebuild = () => {
  const r = build();
  expect(r.stderr).toContain('sources changed: compiling');
  expect(r.stderr).toContain('typescript is not installed');
  expect(r.status).toBe(1);
};

describe('bin/build.js rebuilds only when an input changed', () => {
  it('does nothing when nothing changed since the last build', () => {
    expectUpToDate();
    expectUpToDate();
  });

  it('an edited source file', () => {
    writeFileSync(join(dir, 'values', 'x.ts'), 'export const x = 2;\n');
    expectRebuild();
  });

  it('a new or removed source file (its folder changes)', () => {
    writeFileSync(join(dir, 'constructs', 'new.ts'), 'export {};\n');
    expectRebuild();
  });

  it('a removed source file', () => {
    unlinkSync(join(dir, 'values', 'x.ts'));
    expectRebuild();
  });

  it('the package or TypeScript configuration', () => {
    writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions": {}}\n');
    expectRebuild();
  });

  it('tsc run by hand after the build, or its output removed', () => {
    writeFileSync(join(dir, '.build', '.tsbuildinfo'), '{"changed": true}');
    utimesSync(join(dir, '.build', '.tsbuildinfo'), new Date(), new Date(Date.now() + 5000));
    expectRebuild();
  });

  it('no stamp (a fresh clone, or a build that failed half way)', () => {
    unlinkSync(join(dir, '.build', '.build-stamp'));
    expectRebuild();
  });

  it('an environment file is not an input: editing it needs no build', () => {
    mkdirSync(join(dir, 'environments'));
    writeFileSync(join(dir, 'environments', 'production.yaml'), 'name: production\n');
    expectUpToDate();
  });
});

describe('bin/build.js --run', () => {
  /** A command line that prints its arguments and exits with the code the first one names. */
  const stub = () =>
    writeFileSync(
      join(dir, 'bin', 'rucio-gitops.js'),
      "process.stdout.write(`ran ${JSON.stringify(process.argv.slice(2))} as ${process.argv[1].split('/').pop()}\\n`);\n" +
        'process.exitCode = Number(process.argv[2]);\n',
    );
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(dir, 'bin', 'build.js'), '--quiet', '--run', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });

  it('runs the command line in the same process when nothing changed, with its arguments and exit code', () => {
    stub();
    const ok = run('0', '--env', 'production', '--force');
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('ran ["0","--env","production","--force"] as rucio-gitops.js\n');
    expect(ok.status).toBe(0);
    const failed = run('2', '--quiet');
    expect(failed.stdout).toBe('ran ["2","--quiet"] as rucio-gitops.js\n');
    expect(failed.status).toBe(2);
  });

  it('builds first when an input changed, and does not run the command when the build fails', () => {
    stub();
    writeFileSync(join(dir, 'values', 'x.ts'), 'export const x = 2;\n');
    const r = run('0');
    expect(r.stderr).toContain('typescript is not installed');
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
  });
});

describe('bin/build.js with another build running', () => {
  const lockFile = () => join(dir, '.build', '.build-lock');

  it('waits for a build in progress, then builds only if the sources are still newer than its stamp', async () => {
    writeFileSync(join(dir, 'values', 'x.ts'), 'export const x = 2;\n');
    // The other build: holds the lock, finishes (a new stamp) and releases it.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs');
         fs.writeFileSync(${JSON.stringify(lockFile())}, process.pid + '\\n', { flag: 'wx' });
         setTimeout(() => {
           const tsbuildinfo = fs.statSync(${JSON.stringify(join(dir, '.build', '.tsbuildinfo'))}).mtimeMs;
           fs.writeFileSync(${JSON.stringify(join(dir, '.build', '.build-stamp'))},
             JSON.stringify({ started: Date.now(), tsbuildinfo }) + '\\n');
           fs.rmSync(${JSON.stringify(lockFile())});
         }, 1500);`,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((ok) => holder.once('exit', ok));
    while (!existsSync(lockFile())) await new Promise((ok) => setTimeout(ok, 20));
    const r = await new Promise<{ status: number | null; stderr: string }>((ok) => {
      const child = spawn(process.execPath, [join(dir, 'bin', 'build.js')], { cwd: dir });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.once('close', (status) => ok({ status, stderr }));
    });
    await exited;
    expect(r.stderr).toBe(`rucio-gitops: waiting for the build of process ${holder.pid} …\n`);
    expect(r.status).toBe(0); // the other build made it current: no second compile
    expect(existsSync(lockFile())).toBe(false);
  });

  it('takes over the lock of a build that died, and releases it also when its own build fails', () => {
    writeFileSync(join(dir, 'values', 'x.ts'), 'export const x = 2;\n');
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lockFile(), `${gone}\n`);
    const r = build();
    expect(r.stderr).not.toContain('waiting');
    expect(r.stderr).toContain('sources changed: compiling');
    expect(r.stderr).toContain('typescript is not installed');
    expect(r.status).toBe(1);
    expect(existsSync(lockFile())).toBe(false);
  });

  it('an up-to-date build neither waits for nor takes the lock', () => {
    writeFileSync(lockFile(), `${process.pid}\n`); // held by a live process (this one)
    expectUpToDate();
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
  });
});

describe('the scripts', () => {
  it('build on install (prepare) and check for changes before synth, validate, schema, test and bench', () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.prepare).toBe('node bin/build.js');
    for (const s of ['synth', 'validate', 'schema', 'test', 'bench'])
      expect(scripts[s]).toMatch(/^node bin\/build\.js/);
    // One Node process for build check and command (npm run synth after an edit of an environment file).
    for (const s of ['synth', 'validate', 'schema']) expect(scripts[s]).toBe(`node bin/build.js --quiet --run ${s}`);
  });
});
