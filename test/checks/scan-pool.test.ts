/**
 * The checks' per-file scans in a worker thread (src/checks/scan-pool.ts) report exactly what the same scans report in
 * this thread: the same problems for credentials in objects, in the text of objects and of other files, for Secrets
 * with data and for objects over 1 MiB; and a worker that stops loses nothing. The worker is the real one: the
 * compiled .build/bundle/scan-worker.cjs in a new thread, as the command starts it.
 */
import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import { MAX_OBJECT_BYTES } from '../../src/checks/file-scan.js';
import { localQueue, startScanQueue, type ScanQueue } from '../../src/checks/scan-pool.js';
import { loadEnvironments } from '../../src/load/environments.js';
import { moduleHost, setModuleHost } from '../../src/module-host.js';
import type { KubeObject, RenderedFile } from '../../src/synth/files.js';
import { renderEnvironments } from '../../src/synth/render.js';
import { ROOT } from './helpers.js';
import { build } from './process.js';

const WORKER = join(ROOT, '.build', 'bundle', 'scan-worker.cjs');
const original = moduleHost();
let started = 0;

/** The command's host, with a worker started the way bin/rucio-gitops.js starts it (or as `start` says). */
function useWorker(
  start: (limits: ResourceLimits) => Worker = (limits) => new Worker(WORKER, { resourceLimits: limits }),
) {
  setModuleHost({
    ...original,
    startScanWorker: (limits) => {
      started++;
      return start(limits);
    },
  });
}

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

async function report(scans: ScanQueue | undefined, extra: readonly RenderedFile[] = planted()) {
  const envs = loadEnvironments('environments', ['production']);
  const files = [...renderEnvironments(envs), ...extra];
  try {
    const r = await runChecks(envs, files, { out: 'dist', partial: true, scans });
    return r.problems.map((p) => p.format());
  } finally {
    scans?.close();
  }
}

describe('the per-file scans in a worker thread', () => {
  it('report the same problems as in this thread, for every kind of finding', async () => {
    const here = await report(localQueue());
    expect(here.filter((p) => /\[(credentials|secret-data|object-size)\]/.test(p)).length).toBe(7);
    expect(here).toContainEqual(expect.stringMatching(/large\.cfg:200001 {2}\[credentials\] holds a GitHub token/));
    useWorker();
    started = 0;
    const there = await report(startScanQueue());
    expect(started).toBe(1);
    expect(there).toEqual(here);
  });

  it('the bundled environments: no problem either way', async () => {
    useWorker();
    expect(await report(startScanQueue(), [])).toEqual([]);
  });

  it('a worker that stops, at once or while scanning, fails the checks with one clear line (never a pass)', async () => {
    const stops = [
      'process.exit(3)',
      // Takes the first batch, then dies with it unanswered.
      "require('node:worker_threads').parentPort.on('message', () => setTimeout(() => process.exit(7), 50));",
    ];
    for (const code of stops) {
      useWorker(() => new Worker(code, { eval: true }));
      await expect(report(startScanQueue())).rejects.toThrow(
        /^the checks' scan worker stopped \(exit [37]\), so the files it was given are not known to be clean: nothing was written/,
      );
    }
  });

  it('RUCIO_GITOPS_WORKERS=0 keeps the scans in this thread', async () => {
    useWorker();
    started = 0;
    process.env.RUCIO_GITOPS_WORKERS = '0';
    try {
      expect(await report(startScanQueue())).toEqual(await report(localQueue()));
    } finally {
      delete process.env.RUCIO_GITOPS_WORKERS;
    }
    expect(started).toBe(0);
  });
});
