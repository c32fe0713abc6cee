/**
 * Writes the output tree atomically: the new tree is built beside the old one and swapped in with renames, so a synth
 * that is killed half way leaves the old tree as it was. Only files that synth generated (they carry the marker) are
 * removed; anything else in the folder (Flux's `flux-system/`, a README) is kept.
 *
 * Nothing is followed out of the tree: a symlink where a generated file or folder goes, a FIFO or a device in the
 * tree, an output folder that is a symlink or a mount point, are errors naming the path, found before anything is
 * written; no staging folder is left behind on any failure. One synth at a time writes a folder (a lock beside it).
 */
import {
  closeSync,
  constants as fsConstants,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  writeFile,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../load/problems.js';
import { GENERATED_MARKER, type RenderedFile } from './files.js';
import { readRegular, type FileTarget } from './staged-file.js';

/** What a write changed. */
export interface WriteResult {
  readonly written: string[];
  readonly removed: string[];
  readonly unchanged: number;
}

/** Which generated files a synth owns: all of them, or those of some environments. */
export interface Scope {
  /** The environments synthesized; `undefined` means all, so files of environments that no longer exist go too. */
  readonly environments?: readonly string[];
}

/** Folders that no synth or publish writes in or removes from: Flux's own, and a git repository's. */
const NOT_OURS = new Set(['flux-system', '.git']);

function walk(dir: string, base = dir): string[] {
  if (!isRealDir(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (NOT_OURS.has(entry.name)) continue;
      out.push(...walk(full, base));
    } else if (entry.isFile()) {
      out.push(relative(base, full).split(sep).join('/'));
    }
  }
  return out.sort();
}

function isRealDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether a regular file starts with the marker (only its first bytes are read; never a FIFO or a symlink). */
function isGenerated(file: string): boolean {
  let fd: number | undefined;
  try {
    if (!lstatSync(file).isFile()) return false;
    fd = openSync(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0));
    const head = Buffer.alloc(GENERATED_MARKER.length);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.toString('utf8', 0, n) === GENERATED_MARKER;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What a path is, in words, for errors. */
function kindOf(path: string): string {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return 'a symlink';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  return 'a file';
}

/**
 * Checks that `paths` (relative, `/`-separated) can be written under `root` without following anything out of it:
 * every existing folder on the way is a real folder, and an existing file is a regular file. Returns the problems,
 * each naming the path as the user knows it (`display`).
 */
export function unsafePaths(root: string, paths: Iterable<string>, display = root): string[] {
  const problems = new Set<string>();
  const checked = new Map<string, boolean>();
  for (const p of paths) {
    const parts = p.split('/');
    let rel = '';
    for (let i = 0; i < parts.length; i++) {
      rel = rel === '' ? parts[i]! : `${rel}/${parts[i]}`;
      const last = i === parts.length - 1;
      if (!last && checked.has(rel)) {
        if (!checked.get(rel)) break;
        continue;
      }
      let st;
      try {
        st = lstatSync(join(root, rel), { throwIfNoEntry: false });
      } catch {
        st = undefined;
      }
      if (st === undefined) {
        checked.set(rel, true);
        break; // absent: nothing below it exists either
      }
      const ok = last ? st.isFile() : st.isDirectory();
      if (!last) checked.set(rel, ok);
      if (!ok) {
        const kind = kindOf(join(root, rel));
        problems.add(
          `${display}/${rel} is ${kind} where synth writes a generated ${last ? 'file' : 'folder'}: ` +
            (kind === 'a symlink'
              ? 'synth never follows a symlink out of its tree; remove it (or replace it with the real folder)'
              : 'remove it'),
        );
        break;
      }
    }
  }
  return [...problems].sort();
}

/** FIFOs, sockets and devices anywhere in the tree: they cannot be copied, and reading one may never end. */
function specialFiles(root: string, display: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFIFO() || entry.isSocket() || entry.isCharacterDevice() || entry.isBlockDevice())
        out.push(
          `${display}/${relative(root, full).split(sep).join('/')} is ${kindOf(full)}: synth copies the folder to swap it in atomically and cannot copy one; remove it`,
        );
    }
  };
  if (isRealDir(root)) visit(root);
  return out;
}

/**
 * The output folder as given, without trailing slashes (`dist/`, `dist//` → `dist`); refuses a folder that synth
 * cannot swap as a whole: the current folder or one above it, the file system's root, a symlink, a mount point.
 */
export function outputFolder(out: string): string {
  const trimmed = out.length > 1 ? out.replace(/\/+$/, '') : out;
  const absolute = resolve(trimmed);
  const cwd = process.cwd();
  if (absolute === dirname(absolute))
    throw new UserError(`--out ${out} is the root of the file system: pass a folder of its own, such as --out dist`);
  if (absolute === cwd || !relative(absolute, cwd).startsWith('..'))
    throw new UserError(
      `--out ${out} is the current folder${absolute === cwd ? '' : ' or one above it'}: synth replaces its output folder as a whole, so it must be a folder of its own, such as --out dist`,
    );
  let st;
  try {
    st = lstatSync(absolute);
  } catch {
    return trimmed;
  }
  if (st.isSymbolicLink())
    throw new UserError(
      `--out ${out} is a symlink: synth never follows a symlink out of its tree; pass the folder it points to`,
    );
  if (!st.isDirectory()) throw new UserError(`${trimmed} is not a folder: pass --out DIR`);
  if (st.dev !== statSync(dirname(absolute)).dev)
    throw new UserError(
      `${trimmed} is a mount point: synth builds the new tree beside it and swaps it in with a rename, which a mount point does not allow; write to a folder inside it (--out ${trimmed}/manifests)`,
    );
  return trimmed;
}

function inScope(path: string, scope: Scope): boolean {
  if (scope.environments === undefined) return true;
  const env = path.split('/')[1];
  return env !== undefined && scope.environments.includes(env);
}

/** The generated files currently in `out` that the scope owns. */
export function generatedFiles(out: string, scope: Scope): string[] {
  return walk(out).filter((p) => inScope(p, scope) && isGenerated(join(out, p)));
}

/** Removes the empty folders under `dir` (not `.git`'s), and `dir` itself when it ends up empty. */
function removeEmptyDirs(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isDirectory() && entry.name !== '.git') removeEmptyDirs(join(dir, entry.name));
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

/**
 * Writes `files` into `dir` in place, as synth writes its output folder (the same files written when they differ, the
 * same stale generated files of the scope removed, emptied folders removed), without the staging swap: for a folder
 * nobody else reads while it is written, such as publish's temporary clone of the deploy repository. The caller
 * checks `unsafePaths` first.
 */
export function writeInPlace(dir: string, files: readonly RenderedFile[], scope: Scope): WriteResult {
  const wanted = new Set(files.map((f) => f.path));
  const stale = generatedFiles(dir, scope).filter((p) => !wanted.has(p));
  for (const p of stale) rmSync(join(dir, p), { force: true });
  const written: string[] = [];
  let unchanged = 0;
  for (const f of files) {
    const target = join(dir, f.path);
    if (readRegular(target) === f.text) {
      unchanged++;
      continue;
    }
    written.push(f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.text);
  }
  removeEmptyDirs(dir);
  mkdirSync(dir, { recursive: true });
  return { written: written.sort(), removed: stale, unchanged };
}

/** Puts a tree back after a synth that was stopped between its two renames. */
export function recover(out: string): void {
  const previous = `${out}.previous`;
  if (!existsSync(out) && isRealDir(previous)) renameSync(previous, out);
  else if (existsSync(previous)) rmSync(previous, { recursive: true, force: true });
  rmSync(`${out}.staging`, { recursive: true, force: true });
}

/** Writes `files` into `out`, removing generated files of the scope that are no longer produced. */
export function writeTree(out: string, files: readonly RenderedFile[], scope: Scope): WriteResult {
  const writer = openTree(
    out,
    files.map((f) => f.path),
    scope,
  );
  try {
    for (const f of files) writer.put(f.path, f.text);
    return writer.finish();
  } finally {
    writer.abort();
  }
}

/** A tree being written file by file: swapped in as a whole by `finish`, or dropped by `abort`. */
export interface TreeWriter {
  /**
   * Writes one file of the new tree (into the staging folder, when it differs from the current one). Throws the error
   * of an earlier write made in the background.
   */
  put(path: string, text: string): void;
  /**
   * Hands the writing of `path` to another thread (`staged-file.ts`: `writeStaged`): where to write it, once the
   * staging folder exists (at once for a new tree; in an existing one, once a file differed and the tree was copied),
   * else undefined, and then the file is `put` here. The outcome of a handed file is reported with `record`; a handed
   * file that comes back to `put` instead (the other thread stopped) is written again, over what it may have left.
   */
  delegate(path: string): FileTarget | undefined;
  /** Records a file written (or found unchanged) by the thread it was handed to. */
  record(path: string, outcome: 'written' | 'unchanged'): void;
  /**
   * Resolves when every file put so far is on disk (at once, unless the tree was opened with `background`). Wait for
   * it before `finish` and before `abort`.
   */
  settled(): Promise<void>;
  /** Removes the stale generated files and swaps the new tree in; releases the lock. Throws a failed write's error. */
  finish(): WriteResult;
  /** Drops what was written and releases the lock; does nothing after `finish`. */
  abort(): void;
}

/** How a tree is written. */
export interface TreeOptions {
  /**
   * Write the files on libuv's threads (`fs.writeFile`) while this thread goes on with the next files, at most
   * `BACKGROUND_FILES` files and `BACKGROUND_CHARS` characters at a time (beyond, a file is written here, which holds
   * the sender back): opening, writing and closing 12,000 files costs this thread ~2.5 s of system time when done
   * here. The caller must await `settled`.
   */
  readonly background?: boolean;
}

/** Files, and characters of text, written in the background at once: bound the texts held until written. */
const BACKGROUND_FILES = 64;
const BACKGROUND_CHARS = 1024 * 1024;

/**
 * Opens `out` for writing the files at `paths` (all of them must then be `put`): takes the lock, puts back a tree
 * left half swapped, and refuses before anything is written when a path cannot be written safely. The files can then
 * be written one by one as they are made, so a synth need not hold the text of every file: the new tree is built in
 * `<out>.staging` (a copy of the current tree, made when the first file differs) and swapped in by `finish`.
 */
export function openTree(out: string, paths: readonly string[], scope: Scope, options: TreeOptions = {}): TreeWriter {
  const folder = outputFolder(out);
  const release = lock(folder);
  let stale: string[];
  try {
    recover(folder);
    const unsafe = [...unsafePaths(folder, paths, folder), ...specialFiles(folder, folder)];
    if (unsafe.length > 0)
      throw new UserError(
        `cannot write ${folder}/ safely (${unsafe.length} problem${unsafe.length === 1 ? '' : 's'}); nothing was written:\n${unsafe.map((u) => `  ${u}`).join('\n')}`,
      );
    const wanted = new Set(paths);
    stale = generatedFiles(folder, scope).filter((p) => !wanted.has(p));
  } catch (e) {
    release();
    throw e;
  }
  const staging = `${folder}.staging`;
  // A folder that does not exist yet has no file to compare with.
  const fresh = !existsSync(folder);
  let staged = false;
  let done = false;
  const written: string[] = [];
  let unchanged = 0;
  const made = new Set<string>();
  /** Files handed to another thread (`delegate`). */
  const handed = new Set<string>();
  // Writes in the background: how many are on their way, the first that failed, and who waits for them.
  let pending = 0;
  let pendingChars = 0;
  let failure: Error | undefined;
  let waiting: (() => void)[] = [];
  const written1 = (chars: number, e: Error | null) => {
    pending--;
    pendingChars -= chars;
    if (e !== null && failure === undefined) failure = e;
    if (pending === 0) {
      const w = waiting;
      waiting = [];
      for (const resolve of w) resolve();
    }
  };
  const stage = () => {
    if (staged) return;
    staged = true;
    // Symlinks the tree keeps (not where synth writes) are copied as they are, never resolved.
    if (existsSync(folder)) cpSync(folder, staging, { recursive: true, verbatimSymlinks: true });
    else mkdirSync(staging, { recursive: true });
    for (const p of stale) rmSync(join(staging, p), { force: true });
  };
  const abort = () => {
    if (done) return;
    done = true;
    try {
      // Never leave a staging folder behind; `recover` puts a half-swapped tree back.
      if (staged) {
        rmSync(staging, { recursive: true, force: true });
        recover(folder);
      }
    } finally {
      release();
    }
  };
  return {
    put(path, text) {
      if (done) throw new Error(`${folder}/ is no longer open for writing`);
      if (failure !== undefined) throw failure;
      const same = !fresh && readRegular(join(folder, path)) === text;
      // A handed file's staging copy may hold what the other thread left half written: write it all the same.
      if (same && !(staged && handed.has(path))) {
        unchanged++;
        return;
      }
      if (same) unchanged++;
      else written.push(path);
      stage();
      const target = join(staging, path);
      const dir = dirname(target);
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      if (options.background === true && pending < BACKGROUND_FILES && pendingChars + text.length <= BACKGROUND_CHARS) {
        pending++;
        pendingChars += text.length;
        writeFile(target, text, (e) => written1(text.length, e));
      } else writeFileSync(target, text);
    },
    delegate(path) {
      if (done) throw new Error(`${folder}/ is no longer open for writing`);
      if (fresh) stage();
      else if (!staged) return undefined;
      handed.add(path);
      return fresh ? { target: join(staging, path) } : { target: join(staging, path), current: join(folder, path) };
    },
    record(path, outcome) {
      if (done) throw new Error(`${folder}/ is no longer open for writing`);
      if (outcome === 'written') written.push(path);
      else unchanged++;
    },
    settled() {
      return pending === 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve));
    },
    finish() {
      if (done) throw new Error(`${folder}/ is no longer open for writing`);
      if (pending > 0) throw new Error(`${folder}/: finish before the files written in the background are settled`);
      if (failure !== undefined) throw failure;
      if (written.length === 0 && stale.length === 0) {
        done = true;
        release();
        return { written, removed: [], unchanged };
      }
      try {
        stage();
        removeEmptyDirs(staging);
        mkdirSync(staging, { recursive: true });
        pauseForTests();
        const previous = `${folder}.previous`;
        if (existsSync(folder)) renameSync(folder, previous);
        renameSync(staging, folder);
        rmSync(previous, { recursive: true, force: true });
      } catch (e) {
        abort();
        throw e;
      }
      done = true;
      release();
      return { written: written.sort(), removed: stale, unchanged };
    },
    abort,
  };
}

/** How long a synth waits for another one writing the same folder before it gives up. */
const LOCK_WAIT_MS = Number(process.env.RUCIO_GITOPS_LOCK_WAIT_MS ?? 120_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of an output folder (`<out>.lock`, holding the owner's pid), waiting while another live synth holds
 * it; a lock left by a process that no longer runs is taken over. Returns the release function.
 */
function lock(out: string, onWait: (pid: number) => void = defaultWaitMessage(out)): () => void {
  const file = `${out}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number(readRegular(file)?.trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid) && pid !== process.pid) {
      if (Date.now() > deadline)
        throw new UserError(
          `another synth (pid ${pid}) is writing ${out}/ and still holds ${file} after ${Math.round(LOCK_WAIT_MS / 1000)} s: wait for it, or remove ${file} if that process is not a synth`,
        );
      if (!told) onWait(pid);
      told = true;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      continue;
    }
    // Left by a synth that is gone (killed), or empty because its owner is between create and write: a lock older
    // than a second with no live owner is stale.
    let age: number;
    try {
      age = Date.now() - lstatSync(file).mtimeMs;
    } catch {
      continue;
    }
    if (Number.isInteger(pid) && pid > 0 ? true : age > 1000) rmSync(file, { force: true });
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

function defaultWaitMessage(out: string): (pid: number) => void {
  return (pid) => process.stderr.write(`rucio-gitops: another synth (pid ${pid}) is writing ${out}/: waiting for it\n`);
}

/**
 * Test hook: with `RUCIO_GITOPS_TEST_PAUSE_BEFORE_SWAP=<ms>`, says so on stderr and sleeps between building the new tree
 * and swapping it in, so that a test can kill synth at the worst moment deterministically.
 */
function pauseForTests(): void {
  const ms = Number(process.env.RUCIO_GITOPS_TEST_PAUSE_BEFORE_SWAP ?? 0);
  if (!(ms > 0)) return;
  process.stderr.write('rucio-gitops: paused before swap\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
