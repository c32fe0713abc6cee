/**
 * Where the per-file checks (`file-scan.ts`: the credential scans and the object's size) run, and where an object's
 * file text is made: in this thread, or in a worker thread on another core while this thread renders, validates and
 * writes. The worker runs the same functions on a structured clone of each object (plain data, so the same keys,
 * values and order) and the same text, and returns the findings and the text it made; the checks turn the findings
 * into problems exactly as they do for a scan made here, and sort them, so the report and the files written do not
 * depend on where or in which order the work ran.
 *
 * The worker runs `scan-worker.ts` (bundled on its own, so a worker loads the scanner and the YAML writer and nothing
 * else); the entry point starts it (`ModuleHost.startScanWorker`, see bin/rucio-gitops.js), since it knows where the
 * compiled code is; without one (tests, a library user) everything runs in this thread. `RUCIO_GITOPS_WORKERS=0`
 * keeps it in this thread too. A worker that fails or stops (out of memory, killed) loses nothing: this thread does
 * what it had not answered, and everything after.
 *
 * Neither thread waits for the other: while the worker is `MAX_IN_FLIGHT` batches behind (loading, or given more than
 * it keeps up with), this thread does the next files itself instead of waiting for room, and sends again once an
 * answer came in. At 200 releases in one environment this thread had waited ~1.9 s for the worker; doing those files
 * itself made the synth ~10 % faster (paired runs in bench/RESULTS.md), with the same files and report.
 */
import { availableParallelism } from 'node:os';
import type { MessagePort, Worker } from 'node:worker_threads';
import { moduleHost } from '../module-host.js';
import type { KubeObject } from '../synth/files.js';
import { objectText } from '../synth/object-text.js';
import { writeStaged, type FileTarget, type WriteOutcome } from '../synth/staged-file.js';
import { scanFile, type FileScan } from './file-scan.js';

/**
 * Receives a file's scan, and its text (the one given, or the one made); or, for a file the worker wrote itself (see
 * `add`), no text and what became of the write.
 */
export type ScanDone = (scan: FileScan, text: string | undefined, written?: WriteOutcome) => void;

/** Takes files to scan and hands back each file's scan. */
export interface ScanQueue {
  /**
   * Queues one file; `done` receives its scan (at once here, later from a worker). `text` undefined asks for the
   * text to be made too, as `objectText(object)` (the object is then required). `write`, asked only when the file
   * goes to a worker, says where the worker writes the file itself (`staged-file.ts`), so that its text does not
   * come back: `done` then receives what became of the write instead of the text.
   */
  add(
    object: KubeObject | undefined,
    text: string | undefined,
    yaml: boolean,
    done: ScanDone,
    write?: () => FileTarget | undefined,
  ): void;
  /**
   * Call between files: lets the worker's answers in (one turn of the event loop when it is behind; the next `add` is
   * then done in this thread if it still is), and rejects with a receiver's error.
   */
  room(): Promise<void>;
  /** Resolves when every queued file's scan was handed back. */
  flush(): Promise<void>;
  /**
   * Stops the worker, if any; resolves once it has stopped, so that nothing it was still doing (a file it was writing
   * into a staging folder) runs after the caller goes on (removes that folder).
   */
  close(): Promise<void>;
}

/** The file's text as given, or made from its object. */
function textOf(object: KubeObject | undefined, text: string | undefined): string {
  if (text !== undefined) return text;
  if (object === undefined) throw new Error('a file without text needs an object to make it from');
  return objectText(object);
}

/** Does one file's work in this thread. */
function here(object: KubeObject | undefined, text: string | undefined, yaml: boolean, done: ScanDone): void {
  const t = textOf(object, text);
  done(scanFile(object, t, yaml, text === undefined), t);
}

/** Scans in this thread. */
export function localQueue(): ScanQueue {
  return {
    add: here,
    room: () => Promise.resolve(),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/** One file sent to the worker. */
interface Job {
  readonly id: number;
  readonly object: KubeObject | undefined;
  /** Undefined: make it (`objectText`). */
  readonly text: string | undefined;
  readonly yaml: boolean;
  /** Where the worker writes the file itself (then the text does not come back). */
  readonly write: FileTarget | undefined;
}

/** One file's scan sent back, with the text when the worker made it, or what became of the write it made. */
interface Done {
  readonly id: number;
  readonly scan: FileScan;
  readonly text?: string;
  readonly written?: WriteOutcome;
}

/** Files per message, and the characters of given text that close a batch early. */
const BATCH_FILES = 8;
const BATCH_CHARS = 256 * 1024;
/**
 * The worker's heap: what it receives lives only while it is worked on, so a small young generation suffices, and its
 * old generation holds little more than the scanner's memo tables (a few megabytes each, see secrets/scan.ts) and one
 * batch; capped, so that the worker does not grow the process by keeping garbage (200 releases in one environment
 * stay under the 400 MB of issue 14). A worker that reaches the cap stops, and this thread takes over.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 64 };
/** Given texts larger than this are scanned in this thread (they would be copied whole, and kept until answered). */
const LOCAL_CHARS = 512 * 1024;
/**
 * Batches sent and not yet answered beyond which this thread does the files itself (bounds the memory the queue
 * holds, and how far the worker may fall behind).
 */
const MAX_IN_FLIGHT = 4;

/**
 * A worker that scans, when the entry point can start one, the machine has a second core and the user did not turn
 * it off; else the scans run in this thread. The worker loads while the first files are sent (they wait for it, and
 * this thread does the files after them).
 */
export function startScanQueue(): ScanQueue {
  const start = moduleHost().startScanWorker;
  if (start === undefined || process.env.RUCIO_GITOPS_WORKERS === '0' || availableParallelism() < 2)
    return localQueue();
  let worker: Worker;
  try {
    worker = start(WORKER_LIMITS);
  } catch {
    return localQueue();
  }
  return workerQueue(worker);
}

function workerQueue(worker: Worker): ScanQueue {
  // The process may end without waiting for it: the checks wait for what they sent (see `send`).
  worker.unref();
  let nextId = 0;
  let batch: Job[] = [];
  let batchChars = 0;
  let inFlight = 0;
  /**
   * The files queued and not answered yet, with what they were given: an object (held by its file until it is
   * written anyway) and, rarely, a text (files whose text was made before, small by `LOCAL_CHARS`).
   */
  const open = new Map<number, { readonly job: Job; readonly done: ScanDone }>();
  /** The worker failed or stopped: this thread does everything from then on. */
  let gone = false;
  let closed = false;
  /** An error thrown by a receiver (a file that cannot be written), passed on by `room` and `flush`. */
  let failure: Error | undefined;
  let failed = false;
  let wake: (() => void)[] = [];
  const notify = () => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  const deliver = (done: ScanDone, scan: FileScan, text: string | undefined, written?: WriteOutcome) => {
    if (failed) return;
    try {
      done(scan, text, written);
    } catch (e) {
      failed = true;
      failure = e instanceof Error ? e : new Error(String(e));
    }
  };
  worker.on('message', (results: readonly Done[]) => {
    inFlight--;
    for (const r of results) {
      const entry = open.get(r.id);
      if (entry === undefined) continue;
      open.delete(r.id);
      if (r.written !== undefined) deliver(entry.done, r.scan, undefined, r.written);
      else deliver(entry.done, r.scan, r.text ?? entry.job.text!);
    }
    if (inFlight === 0 && batch.length === 0) worker.unref();
    notify();
  });
  const takeOver = () => {
    if (gone || closed) return;
    gone = true;
    void worker.terminate();
    const left = [...open.values()];
    open.clear();
    batch = [];
    inFlight = 0;
    for (const { job, done } of left) {
      if (failed) break;
      try {
        here(job.object, job.text, job.yaml, done);
      } catch (e) {
        failed = true;
        failure = e instanceof Error ? e : new Error(String(e));
      }
    }
    notify();
  };
  worker.on('error', takeOver);
  worker.on('exit', takeOver);
  const send = () => {
    if (batch.length === 0 || gone) return;
    worker.ref();
    worker.postMessage(batch);
    inFlight++;
    batch = [];
    batchChars = 0;
  };
  const until = (ready: () => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (failure) reject(failure);
        else if (gone || ready()) resolve();
        else wake.push(check);
      };
      check();
    });
  return {
    add(object, text, yaml, done, write) {
      if (failure) throw failure;
      if (gone || inFlight >= MAX_IN_FLIGHT || (text !== undefined && text.length > LOCAL_CHARS)) {
        here(object, text, yaml, done);
        return;
      }
      const job: Job = { id: nextId++, object, text, yaml, write: write?.() };
      open.set(job.id, { job, done });
      batch.push(job);
      batchChars += text?.length ?? 0;
      if (batch.length >= BATCH_FILES || batchChars >= BATCH_CHARS) send();
    },
    room() {
      if (failure) return Promise.reject(failure);
      return inFlight < MAX_IN_FLIGHT ? Promise.resolve() : new Promise((resolve) => setImmediate(resolve));
    },
    flush() {
      send();
      return until(() => open.size === 0);
    },
    close() {
      closed = true;
      return worker.terminate().then(
        () => undefined,
        () => undefined,
      );
    },
  };
}

/** Serves scans on the port of a worker thread started by `startScanQueue` (see `scan-worker.ts`). */
export function serveScans(port: MessagePort): void {
  // The folders this worker made in the staging folders it wrote into.
  const made = new Set<string>();
  port.on('message', (jobs: readonly Job[]) => {
    port.postMessage(
      jobs.map((j): Done => {
        const text = textOf(j.object, j.text);
        const scan = scanFile(j.object, text, j.yaml, j.text === undefined);
        if (j.write !== undefined) return { id: j.id, scan, written: writeStaged(j.write, text, made) };
        return j.text === undefined ? { id: j.id, scan, text } : { id: j.id, scan };
      }),
    );
  });
}
