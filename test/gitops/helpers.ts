/** Real git repositories in temp folders for the GitOps tests. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { loadEnvironments } from '../../src/load/environments.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { writeTree } from '../../src/synth/write.js';
import { publishTo } from '../../src/cli/publish.js';

export const ROOT = join(import.meta.dirname, '..', '..');

const made: string[] = [];

/** A new temp folder, removed by `cleanup()`. */
export function tempDir(prefix = 'rg-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  // The templates lived in those folders: the next test file makes its own.
  sourceTemplate = undefined;
  remoteTemplates.clear();
}

/**
 * Runs git without the user's global or system config, so the machine's settings cannot change the outcome, and
 * without the `gc --auto` / `maintenance run --auto` git starts after a commit (two more processes each time, in
 * repositories thrown away after the test).
 */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'gc.auto',
      GIT_CONFIG_VALUE_0: '0',
      GIT_CONFIG_KEY_1: 'maintenance.auto',
      GIT_CONFIG_VALUE_1: 'false',
    },
  });
}

/** Configures a repository's identity (the CI machine may have none). */
export function identity(cwd: string, name: string, email: string): void {
  git(cwd, 'config', 'user.name', name);
  git(cwd, 'config', 'user.email', email);
  git(cwd, 'config', 'commit.gpgsign', 'false');
}

/** An empty bare repository (the deploy repository's remote). */
export function bareRemote(): string {
  const dir = join(tempDir('rg-remote-'), 'deploy.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', dir]);
  return dir;
}

/** Synthesizes `environments` into `out`. */
export function synthInto(environments: string, out: string): void {
  writeTree(out, renderEnvironments(loadEnvironments(environments)), {});
}

let bundled: ReturnType<typeof renderEnvironments> | undefined;
let sourceTemplate: string | undefined;

/**
 * A source repository: a copy of the bundled environments with their synth in dist/, committed on main by
 * Alice. Returns its folder.
 *
 * Every source repository of a test file starts the same, so the repository is made once (git init, add, commit)
 * and each call returns a copy of it, history included: a test changes only its own copy.
 */
export function sourceRepo(): string {
  if (sourceTemplate === undefined) {
    const template = join(tempDir('rg-source-template-'), 'source');
    cpSync(join(ROOT, 'environments'), join(template, 'environments'), { recursive: true });
    git(template, 'init', '-q', '-b', 'main');
    identity(template, 'Alice Operator', 'alice@example.org');
    // The copy holds the bundled environments: their synth is the same every time, so it is done once per file.
    bundled ??= renderEnvironments(loadEnvironments(join(ROOT, 'environments')));
    writeTree(join(template, 'dist'), bundled, {});
    git(template, 'add', '-A');
    git(template, 'commit', '-q', '-m', 'environments and their manifests');
    sourceTemplate = template;
  }
  const dir = join(tempDir('rg-source-'), 'source');
  cpSync(sourceTemplate, dir, { recursive: true });
  return dir;
}

const remoteTemplates = new Map<string, string>();

/**
 * A bare deploy repository holding one publish of the bundled environments (all, or the ones named) from a
 * `sourceRepo()`, as `publishTo(…)` into a `bareRemote()` leaves it. The publish runs once per test file and set of
 * environments; each call returns a copy of that remote. For the tests whose subject is what happens next (a second
 * publish, a concurrent one, a rejected push); the first publish itself is tested on its own (publish.test.ts, which
 * also checks that this remote holds the same tree).
 */
export async function publishedRemote(env?: readonly string[]): Promise<string> {
  const key = env?.join(',') ?? '';
  let template = remoteTemplates.get(key);
  if (template === undefined) {
    template = bareRemote();
    const source = sourceRepo();
    const options = { environments: join(source, 'environments'), repo: template, branch: 'main', attempts: 1 };
    const result = await publishTo(env ? { ...options, env } : options, capture().ctx);
    if (result.commit === undefined) throw new Error('the first publish into an empty remote made no commit');
    remoteTemplates.set(key, template);
  }
  const dir = join(tempDir('rg-remote-'), 'deploy.git');
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** Every file under a folder with its content (a fingerprint to prove a folder was not touched). */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const full = join(d, e);
      if (statSync(full).isDirectory()) walk(full);
      else out.set(relative(dir, full).split(sep).join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

/** Collects what a command prints. */
export function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, ctx: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) } };
}
