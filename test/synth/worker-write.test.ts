/**
 * In a large run the checks' worker writes the files whose text it makes (src/synth/staged-file.ts), so that the text
 * does not travel back to the main thread. The tree written, and what synth reports, are those of a run without the
 * worker: for a new output folder, for an existing one where a few files change, and when the worker stops half way
 * (a file it left half written is written again, also one equal to the current file). A write that fails in the
 * worker fails the synth as one in the main thread does: a clear error, nothing written, nothing left behind. The
 * worker is the real one (.build/bundle/scan-worker.cjs, started as bin/rucio-gitops.js starts it).
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { writeOneEnvironment } from '../../bench/generate.js';
import { moduleHost, setModuleHost } from '../../src/module-host.js';
import { synthesizeInto } from '../../src/pipeline.js';
import { build } from '../checks/process.js';
import { patchedScanWorker, useScanWorker } from '../checks/helpers.js';
import { cleanup, readTree, tempDir } from '../helpers.js';
import { describeWithSecondCore } from '../tools.js';

const original = moduleHost();
const quiet = { stdout: () => {}, stderr: () => {} };

/** The real worker, after `patch` (see `patchedScanWorker`); counts the workers started. */
const useWorker = (patch = '') => useScanWorker(patchedScanWorker(patch));

/** Patch: the worker's handler sees each message through `wrap(jobs, n)` (n counts messages from 1). */
const wrapJobs = (wrap: string) => `const { parentPort } = require('node:worker_threads');
  const on = parentPort.on.bind(parentPort);
  let n = 0;
  const wrap = ${wrap};
  parentPort.on = (event, handler) => on(event, (jobs) => handler(wrap(jobs, ++n)));`;

/** Synthesizes `environments` into `out` in this process; returns the summary counts. */
async function synth(environments: string, out: string) {
  const { result } = await synthesizeInto({ environments }, quiet, out);
  return { written: result.written.length, removed: result.removed.length, unchanged: result.unchanged };
}

/** The same, with the worker turned off. */
async function synthHere(environments: string, out: string) {
  process.env.RUCIO_GITOPS_WORKERS = '0';
  try {
    return await synth(environments, out);
  } finally {
    delete process.env.RUCIO_GITOPS_WORKERS;
  }
}

let envs: string;
let edited: string;

beforeAll(() => {
  build();
  // 26 daemons releases: over the 1,500 files from which a synth starts the worker.
  envs = join(tempDir(), 'environments');
  writeOneEnvironment(envs, 26);
  edited = join(tempDir(), 'edited');
  cpSync(envs, edited, { recursive: true });
  const file = join(edited, 'one.yaml');
  const text = readFileSync(file, 'utf8');
  // One value of the first daemons release and one of the last: a file that differs early (the tree is copied then,
  // and the worker writes the files after it) and one late.
  const first = text.indexOf('abacusAccountCount: ');
  const last = text.lastIndexOf('conveyorPollerCount: ');
  expect(first).toBeGreaterThan(0);
  expect(last).toBeGreaterThan(first);
  writeFileSync(
    file,
    `${text.slice(0, first)}abacusAccountCount: 2${text.slice(text.indexOf('\n', first), last)}conveyorPollerCount: 5${text.slice(text.indexOf('\n', last))}`,
  );
});
afterEach(() => setModuleHost(original));
afterAll(cleanup);

describeWithSecondCore('the checks worker writes the files it makes', () => {
  it('a new tree and an edited one: the same files and counts as without the worker', async () => {
    const here = join(tempDir(), 'dist');
    const there = join(tempDir(), 'dist');
    const fresh = await synthHere(envs, here);
    expect(fresh.written).toBeGreaterThan(1500);
    const seen = useWorker();
    expect(await synth(envs, there)).toEqual(fresh);
    expect(seen.started).toBe(1);
    expect(readTree(there)).toEqual(readTree(here));

    const edit = await synthHere(edited, here);
    expect(edit.written).toBeGreaterThanOrEqual(2);
    expect(edit).toEqual({ written: edit.written, removed: 0, unchanged: fresh.written - edit.written });
    expect(await synth(edited, there)).toEqual(edit);
    expect(readTree(there)).toEqual(readTree(here));
    expect(seen.started).toBe(2);
    // Nothing changed: nothing is copied or written.
    expect(await synth(edited, there)).toEqual({ written: 0, removed: 0, unchanged: fresh.written });
    expect(existsSync(`${there}.staging`)).toBe(false);
  });

  it('a worker that stops half way: what it left half written is written again, changed or not', async () => {
    const old = join(tempDir(), 'dist');
    const here = join(tempDir(), 'dist');
    await synthHere(envs, old);
    cpSync(old, here, { recursive: true });
    const expected = await synthHere(edited, here);
    // On the second message that asks it to write files, the worker truncates them, leaves a mark and stops before
    // it answers. In an existing tree the worker is asked to write only once a file differed and the tree was copied;
    // on a loaded machine this thread may have done every file before then, so the run is repeated until the worker
    // stopped (at most 5 times).
    const mark = join(tempDir(), 'stopped');
    useWorker(
      wrapJobs(`(() => {
        let writing = 0;
        return (jobs) => {
          const writes = jobs.filter((j) => j.write);
          if (writes.length === 0 || ++writing < 2) return jobs;
          const fs = require('node:fs');
          const path = require('node:path');
          fs.writeFileSync(${JSON.stringify(mark)}, 'stopped');
          for (const j of writes) {
            fs.mkdirSync(path.dirname(j.write.target), { recursive: true });
            fs.writeFileSync(j.write.target, 'half');
          }
          process.exit(5);
        };
      })()`),
    );
    for (let attempt = 0; attempt < 5 && !existsSync(mark); attempt++) {
      const there = join(tempDir(), 'dist');
      cpSync(old, there, { recursive: true });
      expect(await synth(edited, there)).toEqual(expected);
      expect(readTree(there)).toEqual(readTree(here));
    }
    expect(existsSync(mark)).toBe(true);
  });

  it('a write that fails in the worker fails the synth: a clear error, nothing written, nothing behind', async () => {
    // A new tree: every file sent to the worker is one it writes.
    const out = join(tempDir(), 'dist');
    // The worker's targets moved under a file, where no folder can be made (ENOTDIR).
    useWorker(
      wrapJobs(
        `(jobs) => jobs.map((j) => (j.write ? { ...j, write: { ...j.write, target: '/dev/null/x/' + j.id } } : j))`,
      ),
    );
    await expect(synth(envs, out)).rejects.toThrow(
      /^cannot write .*\/dist\/ \(ENOTDIR at \/dev\/null\/x\); the previous tree is kept/,
    );
    for (const left of ['', '.staging', '.lock', '.previous']) expect(existsSync(`${out}${left}`)).toBe(false);
  });
});
