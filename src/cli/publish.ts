/**
 * `publish`: commits a fresh synth to the deploy repository Flux watches, and pushes it.
 *
 * The deploy repository (a URL or a local path) is cloned into a temporary folder; the generated files there are
 * replaced with the synth of the selected environments (files synth did not generate, and `flux-system/`, are
 * kept); the commit says which environments and objects changed, from which source commit, by whom (the source
 * commit's author is the commit's author). The push is never forced: when the remote moved meanwhile, the clone
 * is reset to it, the synth re-applied and the push retried, a bounded number of times. Nothing here writes the
 * local `dist/`, and a failure leaves the deploy repository as it was.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { gitIn, gitMessage } from '../git/git.js';
import { UserError } from '../load/problems.js';
import { synthesize, unsafePaths, writeInPlace, type EnvOptions, type Synthesis } from '../pipeline.js';
import type { RenderedFile } from '../synth/files.js';
import type { Output } from './context.js';

export interface PublishOptions extends EnvOptions {
  /** URL or local path of the deploy repository. */
  readonly repo: string;
  readonly branch: string;
  /** A first line for the commit message (default: `rucio-gitops publish: <envs>`). */
  readonly message?: string;
  /** How many times a rejected push is retried in all (≥ 1). */
  readonly attempts: number;
  /** Publish even with uncommitted changes in the environments, dist/ or values/ (the commit says so). */
  readonly allowDirty?: boolean;
}

/** Test and integration points; they see real git repositories. */
export interface PublishHooks {
  /** Called after the commit, before each push (attempt counts from 1). */
  beforePush?(attempt: number, clone: string): Promise<void> | void;
}

/** The outcome of a publish. */
export interface PublishResult {
  /** The commit pushed, or undefined when nothing changed. */
  readonly commit?: string;
  readonly attempts: number;
  readonly environments: readonly string[];
}

interface SourceInfo {
  readonly commit: string;
  readonly author: string;
  readonly email: string;
  readonly subject: string;
  readonly dirty: boolean;
  /** The uncommitted paths (`git status --porcelain` lines) in the environments, dist/ and values/. */
  readonly changes: readonly string[];
}

/**
 * simple-git in `dir` (`src/git/git.ts`): git inherits this process's environment as it is (GIT_SSH_COMMAND for a
 * deploy key, say); `publishTo` only makes sure git never waits for a password on the terminal.
 */
function gitFor(dir: string, input?: string): SimpleGit {
  return gitIn(dir, input);
}

const firstLines = (e: unknown, n = 3) => gitMessage(e, n);

/** The commit the environments come from, when they are in a git work tree. */
async function sourceInfo(environments: string): Promise<SourceInfo | undefined> {
  try {
    const git = gitFor(resolve(environments));
    if (!(await git.checkIsRepo())) return undefined;
    const out = (await git.raw(['log', '-1', '--format=%H%x00%an%x00%ae%x00%s'])).trim();
    if (out === '') return undefined;
    const [commit, author, email, subject] = out.split('\0') as [string, string, string, string];
    // What the published output is made from: the environment files, and the committed dist/ and values/ beside them.
    const top = (await git.revparse(['--show-toplevel'])).trim();
    const paths = [resolve(environments), join(top, 'dist'), join(top, 'values')].filter((p) => existsSync(p));
    const status = await gitFor(top).raw(['status', '--porcelain', '--untracked-files=all', '--', ...paths]);
    const changes = status.split('\n').filter((l) => l.trim() !== '');
    return { commit, author, email, subject, dirty: changes.length > 0, changes };
  } catch {
    return undefined;
  }
}

function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git' || entry.name === 'flux-system') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, base));
    else if (entry.isFile()) out.push(relative(base, full).split(sep).join('/'));
  }
  return out;
}

function removeEmptyDirs(dir: string, top: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== '.git') removeEmptyDirs(join(dir, entry.name), top);
  }
  if (dir !== top && readdirSync(dir).length === 0) rmdirSync(dir);
}

/**
 * Replaces the generated files of the scope in a work tree with `files`, with synth's own writer
 * (`synth/write.ts`: the same files written, the same generated files of the selected environments removed);
 * everything else stays.
 */
function applyTree(dir: string, files: readonly RenderedFile[], environments?: readonly string[]): void {
  // A symlink (or anything not a regular file) where a generated file goes would be written through, outside the
  // clone, and the real change never committed: refuse it, naming it.
  const unsafe = unsafePaths(
    dir,
    files.map((f) => f.path),
    '<deploy repository>',
  );
  if (unsafe.length > 0)
    throw new UserError(
      `refusing to publish: the deploy repository has ${unsafe.length === 1 ? 'a path' : 'paths'} publish would have to write through:\n${unsafe.map((u) => `  ${u}`).join('\n')}\nnothing was published; fix the deploy repository (commit the real file or folder there) and publish again`,
    );
  writeInPlace(dir, files, { environments });
}

/** The commit message: environments and objects changed, source commit and author. */
function commitMessage(
  changes: ReadonlyArray<{ status: string; path: string }>,
  environments: readonly string[],
  source: SourceInfo | undefined,
  first?: string,
): string {
  const byEnv = new Map<string, Array<{ status: string; path: string }>>();
  for (const c of changes) {
    const parts = c.path.split('/');
    const env = parts.length >= 3 ? parts[1]! : '(repository)';
    if (parts[parts.length - 1] === 'kustomization.yaml') continue;
    byEnv.set(env, [...(byEnv.get(env) ?? []), c]);
  }
  const touched = [...byEnv.keys()].filter((e) => e !== '(repository)').sort();
  const lines = [
    first ?? `rucio-gitops publish: ${touched.length > 0 ? touched.join(', ') : environments.join(', ')}`,
    '',
  ];
  const word: Record<string, string> = { A: 'added', M: 'changed', D: 'removed' };
  for (const env of [...byEnv.keys()].sort()) {
    const list = byEnv.get(env)!.sort((a, b) => (a.path < b.path ? -1 : 1));
    const n = (s: string) => list.filter((c) => c.status === s).length;
    lines.push(`${env}: ${n('A')} added, ${n('M')} changed, ${n('D')} removed`);
    for (const c of list.slice(0, 40))
      lines.push(
        `  ${(word[c.status] ?? c.status).padEnd(7)} ${c.path
          .split('/')
          .pop()!
          .replace(/\.k8s\.yaml$/, '')}  (${c.path})`,
      );
    if (list.length > 40) lines.push(`  … ${list.length - 40} more`);
  }
  lines.push('');
  if (source) {
    lines.push(
      `Source-Commit: ${source.commit}${source.dirty ? ' (with uncommitted changes)' : ''}`,
      `Source-Author: ${source.author} <${source.email}>`,
      `Source-Subject: ${source.subject}`,
    );
  } else {
    lines.push('Source-Commit: none (the environments are not in a git work tree)');
  }
  return `${lines.join('\n')}\n`;
}

function isUnreachable(message: string): boolean {
  return /does not appear to be a git repository|could not read from remote|could not resolve host|connection (refused|timed out)|unable to access|repository .* not found|no such file or directory/i.test(
    message,
  );
}

/** A push the remote refuses for good: retrying (fetch, re-apply) cannot help. */
function isDeclined(message: string): boolean {
  return /hook declined|refusing to update checked out branch|protected branch|permission denied|forbidden|not allowed to push|denied/i.test(
    message,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Synthesizes, commits and pushes; throws UserError with a clear message when it cannot. */
export async function publishTo(
  options: PublishOptions,
  ctx: Output,
  hooks: PublishHooks = {},
): Promise<PublishResult> {
  let rendered: Synthesis;
  try {
    rendered = await synthesize(options, ctx);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`refusing to publish: ${e.heading}`, e.problems);
    throw e;
  }
  const { envs, files } = rendered;
  process.env.GIT_TERMINAL_PROMPT ??= '0';
  const names = envs.map((e) => e.name);
  const scope = options.env && options.env.length > 0 ? names : undefined;
  const repo = existsSync(options.repo) ? resolve(options.repo) : options.repo;
  const branch = options.branch;
  const source = await sourceInfo(options.environments);
  if (!source)
    throw new UserError(
      `refusing to publish: ${options.environments} is not in a git work tree with a commit, and the deploy commit must name the source commit; commit the environments first`,
    );
  if (source.dirty && !options.allowDirty) {
    const shown = source.changes.slice(0, 10).map((l) => `  ${l}`);
    if (source.changes.length > 10) shown.push(`  … and ${source.changes.length - 10} more`);
    throw new UserError(
      `refusing to publish: uncommitted changes in the environments, dist/ or values/ would reach the cluster unreviewed:\n${shown.join('\n')}\ncommit them (the deploy commit names the source commit), or pass --allow-dirty to publish them anyway`,
    );
  }
  removeLeftoverClones();
  const work = mkdtempSync(join(tmpdir(), WORK_PREFIX));
  writeFileSync(join(work, 'owner'), `${process.pid}\n`);
  try {
    return await publishIn(work, { options, ctx, hooks, files, names, scope, repo, branch, source });
  } catch (e) {
    if (isNoSpace(e))
      throw new UserError(
        `no space left on the device while publishing (in ${tmpdir()}): nothing was pushed and the deploy repository is as it was; the local dist/ is untouched; free space (or point TMPDIR elsewhere) and publish again`,
      );
    throw e;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The temporary clones of publish are named so; one left by a killed publish is removed by the next. */
const WORK_PREFIX = 'rucio-gitops-publish-';

function isNoSpace(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException | undefined;
  return (
    err?.code === 'ENOSPC' ||
    err?.code === 'EDQUOT' ||
    /no space left on device|disk quota exceeded/i.test(e instanceof Error ? e.message : String(e))
  );
}

/**
 * Removes the temporary clones that publishes killed half way left behind (their owner process is gone), so none
 * stays for ever. A clone whose owner still runs is another publish's, and is left alone.
 */
export function removeLeftoverClones(dir = tmpdir()): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((e) => e.startsWith(WORK_PREFIX));
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const full = join(dir, entry);
    let pid = NaN;
    try {
      pid = Number(readFileSync(join(full, 'owner'), 'utf8').trim());
    } catch {
      // no owner file: killed between creating the folder and writing it, or not ours to judge yet
      try {
        if (Date.now() - statSync(full).mtimeMs < 60_000) continue;
      } catch {
        continue;
      }
    }
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) continue;
    if (pid === process.pid) continue;
    rmSync(full, { recursive: true, force: true });
    removed.push(full);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every file of a work tree with its content (not `.git`, not `flux-system/`). */
function readFiles(dir: string): Map<string, string> {
  return new Map(walk(dir).map((p) => [p, readFileSync(join(dir, p), 'utf8')]));
}

interface PublishRun {
  readonly options: PublishOptions;
  readonly ctx: Output;
  readonly hooks: PublishHooks;
  readonly files: readonly RenderedFile[];
  readonly names: readonly string[];
  readonly scope: readonly string[] | undefined;
  readonly repo: string;
  readonly branch: string;
  readonly source: SourceInfo | undefined;
}

async function publishIn(work: string, run: PublishRun): Promise<PublishResult> {
  const { options, ctx, hooks, files, names, scope, repo, branch, source } = run;
  {
    const clone = join(work, 'deploy');
    try {
      // The clone is thrown away after the push: no `gc --auto` / `maintenance run --auto` after its commits.
      await gitFor(work).clone(repo, clone, [
        '--no-checkout',
        '--config',
        'gc.auto=0',
        '--config',
        'maintenance.auto=false',
      ]);
    } catch (e) {
      if (isNoSpace(e)) throw e;
      throw new UserError(
        `cannot fetch the deploy repository ${options.repo}: ${firstLines(e)}\nnothing was published; the local dist/ is untouched`,
      );
    }
    const git = gitFor(clone);
    const identity = await git.raw(['config', '--get', 'user.email']).catch(() => '');
    if (identity.trim() === '') {
      await git.addConfig('user.name', 'rucio-gitops');
      await git.addConfig('user.email', 'rucio-gitops@localhost');
    }
    let lastError = '';
    /** This publish's own change (path → content before and after its synth), fixed at the first attempt. */
    let own: Map<string, { base: string | undefined; next: string | undefined }> | undefined;
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      if (attempt > 1) {
        try {
          await git.fetch('origin');
        } catch (e) {
          throw new UserError(
            `cannot fetch the deploy repository ${options.repo}: ${firstLines(e)}\nnothing was published; the local dist/ is untouched`,
          );
        }
      }
      const remote =
        (await git.raw(['ls-remote', '--heads', 'origin', branch]).catch(() => '')).trim() !== '' &&
        (
          await git.raw(['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}`]).catch(() => '')
        ).trim() !== '';
      if (remote) {
        await git.raw(['checkout', '-f', '-B', branch, `refs/remotes/origin/${branch}`]);
        await git.raw(['clean', '-fdq']);
      } else {
        // A new branch (or an empty repository): start from nothing.
        await git.raw(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
        await git.raw(['update-ref', '-d', `refs/heads/${branch}`]).catch(() => '');
        await git.raw(['read-tree', '--empty']);
        for (const entry of readdirSync(clone))
          if (entry !== '.git') rmSync(join(clone, entry), { recursive: true, force: true });
      }
      if (own === undefined) {
        // The first state of the remote this publish sees: its synth replaces the generated files, and what that
        // changes is this publish's own change.
        const before = readFiles(clone);
        applyTree(clone, files, scope);
        const after = readFiles(clone);
        own = new Map();
        for (const path of new Set([...before.keys(), ...after.keys()]))
          if (before.get(path) !== after.get(path)) own.set(path, { base: before.get(path), next: after.get(path) });
      } else {
        // After a rejected push: the remote moved. Start from its new state and apply only this publish's own
        // change, so that another publisher's commit is never undone; a file both changed differently stops here.
        const conflicts: string[] = [];
        const unsafe = unsafePaths(
          clone,
          [...own].filter(([, c]) => c.next !== undefined).map(([p]) => p),
          '<deploy repository>',
        );
        if (unsafe.length > 0)
          throw new UserError(
            `refusing to publish: the deploy repository has paths publish would have to write through:\n${unsafe.map((u) => `  ${u}`).join('\n')}`,
          );
        for (const [path, change] of own) {
          const full = join(clone, path);
          const now = existsSync(full) ? readFileSync(full, 'utf8') : undefined;
          if (now === change.next) continue;
          if (now !== change.base) {
            conflicts.push(path);
            continue;
          }
          if (change.next === undefined) rmSync(full, { force: true });
          else {
            mkdirSync(dirname(full), { recursive: true });
            writeFileSync(full, change.next);
          }
        }
        if (conflicts.length > 0)
          throw new UserError(
            `another publish changed ${conflicts.length} of the files this one changes, differently, since this one started:\n` +
              conflicts
                .sort()
                .slice(0, 20)
                .map((p) => `  ${p}`)
                .join('\n') +
              `\nnothing was pushed and nothing of theirs was undone; publish again from a source that includes their change (it starts from the new state of ${options.repo} ${branch})`,
          );
        removeEmptyDirs(clone, clone);
      }
      await git.raw(['add', '-A', '.']);
      const status = (await git.raw(['diff', '--cached', '--name-status', '--no-renames'])).trim();
      if (status === '') {
        ctx.stdout(`nothing to publish: ${options.repo} ${branch} already holds this synth of ${names.join(', ')}\n`);
        return { attempts: attempt, environments: names };
      }
      const changes = status.split('\n').map((l) => {
        const [s, ...p] = l.split('\t');
        return { status: s!.trim(), path: p.join('\t') };
      });
      const message = commitMessage(changes, names, source, options.message);
      const args = ['commit', '-q', '--no-verify', '-F', '-'];
      if (source) args.push(`--author=${source.author} <${source.email}>`);
      await gitWithInput(clone, args, message);
      if (hooks.beforePush) await hooks.beforePush(attempt, clone);
      try {
        await git.raw(['push', '--porcelain', 'origin', `HEAD:refs/heads/${branch}`]);
        const commit = (await git.revparse(['HEAD'])).trim();
        const objects = changes.filter((c) => c.path.endsWith('.k8s.yaml')).length;
        ctx.stdout(
          `published ${commit.slice(0, 12)} to ${options.repo} ${branch}: ${objects} object file${objects === 1 ? '' : 's'} changed (${names.join(', ')})${attempt > 1 ? `, after ${attempt - 1} retr${attempt === 2 ? 'y' : 'ies'}` : ''}\n`,
        );
        return { commit, attempts: attempt, environments: names };
      } catch (e) {
        lastError = firstLines(e);
        const full = firstLines(e, 50);
        if (isUnreachable(full)) {
          throw new UserError(
            `cannot push to the deploy repository ${options.repo}: ${lastError}\nnothing was published; the local dist/ is untouched`,
          );
        }
        if (isDeclined(full)) {
          throw new UserError(
            `the deploy repository ${options.repo} declined the push to ${branch}: ${lastError}\n` +
              'retrying cannot help (a hook, a protected branch or missing rights); nothing was forced and the deploy repository is as it was; the local dist/ is untouched',
          );
        }
        if (attempt < options.attempts) {
          ctx.stderr(
            `push to ${options.repo} ${branch} rejected (the remote moved meanwhile): fetching and re-applying (attempt ${attempt + 1} of ${options.attempts})\n`,
          );
          await sleep(Math.min(2000, 50 * 2 ** attempt) + Math.floor(Math.random() * 100));
        }
      }
    }
    throw new UserError(
      `could not publish to ${options.repo} ${branch}: the push was rejected ${options.attempts} times (${lastError}).\n` +
        'nothing was forced and the deploy repository is as it was; the local dist/ is untouched; run publish again',
    );
  }
}

/** `git <args>` with `input` on stdin, in `dir`. */
async function gitWithInput(dir: string, args: readonly string[], input: string): Promise<void> {
  try {
    await gitFor(dir, input).raw([...args]);
  } catch (e) {
    throw new UserError(
      `git ${args[0]} failed in the deploy clone: ${e instanceof Error ? e.message.trim() : String(e)}`,
    );
  }
}

/** The command. */
export async function publish(options: PublishOptions, ctx: Output): Promise<number> {
  await publishTo(options, ctx);
  return 0;
}
