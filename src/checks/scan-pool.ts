/**
 * Where the per-file checks (`file-scan.ts`: the credential scans and the object's size) run: in this thread, or in a
 * worker thread on another core while this thread renders, validates and writes. The worker runs the same functions
 * on a structured clone of each object (plain data, so the same keys, values and order) and the same text, and
 * returns the findings; the checks turn them into problems exactly as they do for a scan made here, and sort them, so
 * the report does not depend on where or in which order the scans ran.
 *
 * The worker runs `scan-worker.ts` (bundled on its own, so a worker loads the scanner and nothing else); the entry
 * point starts it (`ModuleHost.startScanWorker`, see bin/rucio-gitops.js), since it knows where the compiled code
 * is; without one (tests, a library user) everything runs in this thread.
 * `RUCIO_GITOPS_WORKERS=0` keeps it in this thread too.
 */
import { availableParallelism } from 'node:os';
import type { MessagePort, Worker } from 'node:worker_threads';
import { moduleHost } from '../module-host.js';
import { UserError } from '../load/problems.js';
import type { KubeObject } from '../synth/files.js';
import { scanFile, type FileScan } from './file-scan.js';

/** Takes files to scan and hands back each file's scan. */
export interface ScanQueue {
  /** Queues one file; `done` receives its scan (at once here, later from a worker). */
  add(object: KubeObject | undefined, text: string, yaml: boolean, done: (scan: FileScan) => void): void;
  /** Resolves when the queue takes more files (a worker behind by several batches holds the sender back). */
  room(): Promise<void>;
  /** Resolves when every queued file's scan was handed back. */
  flush(): Promise<void>;
  /** Stops the worker, if any. */
  close(): void;
}

/** Scans in this thread. */
export function localQueue(): ScanQueue {
  return {
    add: (object, text, yaml, done) => done(scanFile(object, text, yaml)),
    room: () => Promise.resolve(),
    flush: () => Promise.resolve(),
    close: () => {},
  };
}

/** One file sent to the worker. */
interface Job {
  readonly id: number;
  readonly object: KubeObject | undefined;
  readonly text: string;
  readonly yaml: boolean;
}

/** One file's scan sent back. */
interface Done {
  readonly id: number;
  readonly scan: FileScan;
}

/**
 * Files per message, and the characters of text that close a batch early: small batches, so that the worker's copies
 * of the objects die young (a worker holding several megabytes at once grew the process by tens of megabytes).
 */
const BATCH_FILES = 8;
const BATCH_CHARS = 256 * 1024;
/**
 * The worker's heap: the objects it receives live only while they are scanned, so a small young generation suffices,
 * and its old generation holds little more than the scanner's memo tables (a few megabytes each, see
 * secrets/scan.ts) and one batch; capped, so that the worker does not grow the process by keeping garbage (200
 * releases in one environment stay under the 400 MB of issue 14). Files whose text is larger than `LOCAL_CHARS` are
 * scanned in this thread, so no one file can outgrow the worker's heap.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 64 };
const LOCAL_CHARS = 512 * 1024;
/** Batches sent and not yet answered before the sender waits (bounds the memory the queue holds). */
const MAX_IN_FLIGHT = 4;

/**
 * A worker that scans, when the entry point can start one, the machine has a second core and the user did not turn
 * it off; else the scans run in this thread. The worker starts loading at once, so start it before the work that
 * precedes the checks (loading, rendering).
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
  /** The receivers of the files in `batch`, and of the files sent and not answered yet. */
  const receivers = new Map<number, (scan: FileScan) => void>();
  let batchChars = 0;
  let inFlight = 0;
  let failure: UserError | undefined;
  let closed = false;
  let wake: (() => void)[] = [];
  const notify = () => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  worker.on('message', (results: readonly Done[]) => {
    inFlight--;
    for (const { id, scan } of results) {
      const done = receivers.get(id)!;
      receivers.delete(id);
      done(scan);
    }
    if (inFlight === 0) worker.unref();
    notify();
  });
  // A worker that fails or stops by itself (out of memory, killed) fails the checks: what it did not answer is not
  // known to be clean. The files sent are not kept here until answered (that held every file's text long enough to
  // grow the heap by tens of megabytes), so they cannot be scanned here instead.
  const stopped = (why: string) => {
    if (closed || failure) return;
    failure = new UserError(
      `the checks' scan worker ${why}, so the files it was given are not known to be clean: nothing was written; run again, or with RUCIO_GITOPS_WORKERS=0 to scan in one thread`,
    );
    notify();
  };
  worker.on('error', (e) => stopped(`failed (${e.message})`));
  worker.on('exit', (code) => stopped(`stopped (exit ${code})`));
  const send = () => {
    if (batch.length === 0) return;
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
        else if (ready()) resolve();
        else wake.push(check);
      };
      check();
    });
  return {
    add(object, text, yaml, done) {
      if (failure) throw failure;
      if (text.length > LOCAL_CHARS) {
        done(scanFile(object, text, yaml));
        return;
      }
      const id = nextId++;
      receivers.set(id, done);
      batch.push({ id, object, text, yaml });
      batchChars += text.length;
      if (batch.length >= BATCH_FILES || batchChars >= BATCH_CHARS) send();
    },
    room() {
      return until(() => inFlight < MAX_IN_FLIGHT);
    },
    flush() {
      send();
      return until(() => receivers.size === 0);
    },
    close() {
      closed = true;
      void worker.terminate();
    },
  };
}

/** Serves scans on the port of a worker thread started by `startScanQueue` (see `scan-worker.ts`). */
export function serveScans(port: MessagePort): void {
  port.on('message', (jobs: readonly Job[]) => {
    port.postMessage(jobs.map((j): Done => ({ id: j.id, scan: scanFile(j.object, j.text, j.yaml) })));
  });
}
