/**
 * One file of a tree that `openTree` (write.ts) opened, written by another thread: the checks' worker
 * (`checks/scan-pool.ts`) writes the files whose text it makes, so that the text never travels back. A leaf beside the
 * writer: the worker loads this and not the writer (its lock, its checks of the tree, its errors).
 *
 * The writer hands a file over only once its staging folder holds the current tree (see `TreeWriter.delegate`), so the
 * other thread never races the copy; it compares with the current file and writes into the staging folder exactly as
 * `TreeWriter.put` does, and the writer records the outcome.
 */
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where one file handed to another thread goes. */
export interface FileTarget {
  /** The file in the staging folder. */
  readonly target: string;
  /** The file of the current tree to compare with; absent when there is no current tree. */
  readonly current?: string;
}

/** A write that failed in the other thread, as its error said. */
export interface WriteFailure {
  readonly code: string;
  readonly path: string;
  readonly message: string;
}

/** What became of a file handed over: written into the staging folder, equal to the current one, or failed. */
export type WriteOutcome = 'written' | 'unchanged' | WriteFailure;

/** The content of a regular file at `path`, or undefined (absent, or not a regular file: never followed or waited on). */
export function readRegular(path: string): string | undefined {
  try {
    // An absent file is the common case of a new tree: no exception (and its stack trace) for it.
    if (!lstatSync(path, { throwIfNoEntry: false })?.isFile()) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes one handed-over file: nothing when it equals the current file, else into the staging folder, making its
 * folder first (once per folder: `made` remembers them). A failure is returned, never thrown.
 */
export function writeStaged(file: FileTarget, text: string, made: Set<string>): WriteOutcome {
  try {
    if (file.current !== undefined && readRegular(file.current) === text) return 'unchanged';
    const dir = dirname(file.target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(file.target, text);
    return 'written';
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { code: err.code ?? 'EIO', path: err.path ?? file.target, message: err.message };
  }
}

/** A failure reported by the other thread as the error the same write would have thrown here. */
export function failureError(failure: WriteFailure): NodeJS.ErrnoException {
  return Object.assign(new Error(failure.message), { code: failure.code, path: failure.path });
}
