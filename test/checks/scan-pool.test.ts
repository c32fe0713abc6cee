/**
 * The checks' per-file scans in a worker thread (src/checks/scan-pool.ts) report exactly what the same scans report in
 * this thread: the same problems for credentials in objects, in the text of objects and of other files, for Secrets
 * with data and for objects over 1 MiB; a worker that stops loses nothing, and one that falls behind does not hold
 * the checks back. The worker is the real one: the
 * compiled .build/bundle/scan-worker.cjs in a new thread, as the command starts it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { MAX_OBJECT_BYTES } from '../../src/checks/file-scan.js';
import { localQueue, startScanQueue, type ScanQueue } from '../../src/checks/scan-pool.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { moduleHost, setModuleHost } from '../../src/module-host.js';
import type { KubeObject, RenderedFile } from '../../src/synth/files.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { patchedScanWorker, ROOT, useScanWorker } from './helpers.js';
import { build } from './process.js';
import { describeWithSecondCore } from '../tools.js';

const original = moduleHost();

beforeAll(() => build());
afterEach(() => setModuleHost(original));

const file = (path: string, object: Record<string, unknown> | undefined, text = ''): RenderedFile =>
  object === undefined ? { path, text } : { path, text, object: object as unknown as KubeObject };

/** Files with every kind of finding the per-file scans make, beside the bundled production environment's files. */
function planted(): RenderedFile[] {
  const at = (name: string) => `apps/production/daemonprod/${name}`;
  return [
    file(at('Secret.db.k8s.yaml'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'rucio' },
      stringData: { url: 'oracle://rucio:s3cr3t@db.example.org/R' },
    }),
    file(at('ConfigMap.key.k8s.yaml'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'key', namespace: 'rucio' },
      data: { 'key.pem': '-----BEGIN EC PRIVATE KEY-----\nabc', note: `glpat-${'x'.repeat(24)}` },
    }),
    // A clean object whose text as written holds what its values do not (only the text rules see it).
    file(
      at('ConfigMap.text.k8s.yaml'),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'text', namespace: 'rucio' }, data: { a: 'b' } },
      'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n# https://admin:hunter2@rucio.example.org\n',
    ),
    file(at('ConfigMap.big.k8s.yaml'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big', namespace: 'rucio' },
      data: { big: 'x'.repeat(MAX_OBJECT_BYTES) },
    }),
    file(
      'infrastructure/production/haproxy/haproxy.cfg',
      undefined,
      'backend x\n  server a https://admin:hunter2@rucio:443\n',
    ),
    // Larger than what the worker is given (scanned in this thread), with its finding on the last line.
    file(
      'infrastructure/production/haproxy/large.cfg',
      undefined,
      `${'# x\n'.repeat(200_000)}ghp_${'A1b2'.repeat(9)}\n`,
    ),
  ];
}

/** The problems, and the text of every file as the checks passed it on (to be written). */
async function report(scans: ScanQueue | undefined, extra: readonly RenderedFile[] = planted()) {
  const envs = loadEnvironments('environments', ['production']);
  const files = [...renderEnvironments(envs), ...extra];
  const texts = new Map<string, string>();
  try {
    const r = await runChecks(envs, files, {
      out: 'dist',
      partial: true,
      scans,
      checked: (f) => texts.set(f.path, f.text),
    });
    expect(texts.size).toBe(new Set(files.map((f) => f.path)).size);
    return { problems: r.problems.map((p) => p.format()), texts: [...texts].sort(([a], [b]) => a.localeCompare(b)) };
  } finally {
    await scans?.close();
  }
}

describeWithSecondCore('the per-file scans in a worker thread', () => {
  it('report the same problems as in this thread, for every kind of finding', async () => {
    const here = await report(localQueue());
    expect(here.problems.filter((p) => /\[(credentials|secret-data|object-size)\]/.test(p)).length).toBe(7);
    expect(here.problems).toContainEqual(
      expect.stringMatching(/large\.cfg:200001 {2}\[credentials\] holds a GitHub token/),
    );
    const seen = useScanWorker();
    const there = await report(startScanQueue());
    expect(seen.started).toBe(1);
    expect(there).toEqual(here);
  });

  it('the bundled environments: no problem either way', async () => {
    useScanWorker();
    const { problems, texts } = await report(startScanQueue(), []);
    expect(problems).toEqual([]);
    // The texts the worker made are the files of dist/.
    for (const [path, text] of texts) expect(text, path).toBe(readFileSync(join(ROOT, 'dist', path), 'utf8'));
  });

  it('a worker that stops, at once or while scanning, loses nothing: this thread does the rest', async () => {
    const here = await report(localQueue());
    const stops = [
      'process.exit(3)',
      // Takes the first batch, then dies with it unanswered.
      "require('node:worker_threads').parentPort.on('message', () => setTimeout(() => process.exit(7), 50));",
      // Takes a batch without answering, and dies on the next.
      `const { parentPort } = require('node:worker_threads');
       let n = 0;
       parentPort.on('message', (jobs) => { if (++n > 1) process.exit(9); });`,
    ];
    for (const code of stops) {
      useScanWorker(() => new Worker(code, { eval: true }));
      expect(await report(startScanQueue())).toEqual(here);
    }
  });

  it('a worker that falls behind does not hold this thread back: it does the files after 4 batches itself', async () => {
    const here = await report(localQueue());
    // The real worker, holding every answer back until the checks flush the queue (at their end).
    const held = patchedScanWorker(`const { parentPort } = require('node:worker_threads');
      const on = parentPort.on.bind(parentPort);
      const waiting = [];
      let handle;
      on('message', (m) => {
        if (m === 'release') for (const w of waiting.splice(0)) handle(w);
        else waiting.push(m);
      });
      parentPort.on = (event, handler) => { handle = handler; };`);
    let answered = 0;
    let worker: Worker | undefined;
    useScanWorker((limits) => {
      worker = held(limits);
      worker.on('message', (results: unknown[]) => (answered += results.length));
      return worker;
    });
    const scans = startScanQueue();
    const flush = scans.flush.bind(scans);
    scans.flush = () => {
      worker!.postMessage('release');
      return flush();
    };
    const there = await report(scans);
    expect(there).toEqual(here);
    // The worker got its 4 batches of 8 files and answered them at the end; the other files were done here.
    expect(answered).toBe(32);
    expect(there.texts.length).toBeGreaterThan(60);
    // Without the change this thread waits for room that never comes: a timeout.
  }, 20_000);

  it('objects reach the worker as they are: -0 and NaN make the same text there as here', async () => {
    // A JSON round trip would make -0 a 0 and NaN a null, and the text would depend on the thread that made it.
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'numbers' },
      spec: { zero: -0, nan: Number.NaN, list: [-0, Number.POSITIVE_INFINITY] },
    } as unknown as KubeObject;
    const textFrom = async (scans: ScanQueue) => {
      const texts: (string | undefined)[] = [];
      scans.add(object, undefined, true, (_scan, text) => texts.push(text));
      await scans.flush();
      await scans.close();
      return texts;
    };
    const here = await textFrom(localQueue());
    expect(here[0]).toMatch(/zero: -0/);
    const seen = useScanWorker();
    expect(await textFrom(startScanQueue())).toEqual(here);
    expect(seen.started).toBe(1);
  });

  it('RUCIO_GITOPS_WORKERS=0 keeps the scans in this thread', async () => {
    const seen = useScanWorker();
    process.env.RUCIO_GITOPS_WORKERS = '0';
    try {
      expect(await report(startScanQueue())).toEqual(await report(localQueue()));
    } finally {
      delete process.env.RUCIO_GITOPS_WORKERS;
    }
    expect(seen.started).toBe(0);
  });
});
