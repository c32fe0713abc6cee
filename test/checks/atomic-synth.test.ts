/**
 * Synthesis is atomic: a synth killed at any moment leaves the output as it was or fully new, never half-written, and
 * the next synth cleans up after it. Oversized environment files are refused unread.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { recover } from '../../src/synth/write.js';
import { MAX_FILE_BYTES } from '../../src/load/yaml-source.js';
import { GENERATED_MARKER } from '../../src/synth/files.js';
import { copyEnvironments, edit, run } from './helpers.js';
import { prng } from './fuzz-cases.js';
import { build, snapshot, start } from './process.js';

let envs: string;
let base: string;
let oldTree: string;
let newTree: string;
let newSnapshot: string;
let oldSnapshot: string;

beforeAll(async () => {
  build();
  envs = copyEnvironments();
  base = mkdtempSync(join(tmpdir(), 'rucio-gitops-atomic-'));
  newTree = join(base, 'new');
  const r = await run(['synth', '--environments', envs, '--out', newTree]);
  expect(r.code).toBe(0);
  newSnapshot = snapshot(newTree)!;
  // The tree as an older synth left it: one object changed, one object that synth no longer makes, a file of someone else.
  oldTree = join(base, 'old');
  cpSync(newTree, oldTree, { recursive: true });
  edit(oldTree, 'apps/production/daemonprod/Deployment.daemonprod-reaper.k8s.yaml', (t) =>
    t.replace('replicas: 2', 'replicas: 1'),
  );
  writeFileSync(
    join(oldTree, 'apps/production/daemonprod/ConfigMap.retired.k8s.yaml'),
    `${GENERATED_MARKER}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: retired\n`,
  );
  writeFileSync(join(oldTree, 'README.md'), 'kept\n');
  oldSnapshot = snapshot(oldTree)!;
  expect(oldSnapshot).not.toBe(newSnapshot);
}, 60_000);

const expectedNew = () =>
  `${newSnapshot}\nREADME.md ${
    oldSnapshot
      .split('\n')
      .find((l) => l.startsWith('README.md '))!
      .split(' ')[1]
  }`
    .split('\n')
    .sort()
    .join('\n');

describe('a synth killed half way', () => {
  test('killed after writing the new tree, just before the swap: the output is as it was, and the next synth completes', async () => {
    const out = join(base, 'paused');
    cpSync(oldTree, out, { recursive: true });
    const { child, done } = start(['synth', '--environments', envs, '--out', out], {
      RUCIO_GITOPS_TEST_PAUSE_BEFORE_SWAP: '20000',
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('synth never reached the swap')), 20_000);
      child.stderr!.on('data', (d: Buffer) => {
        if (d.toString().includes('paused before swap')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(existsSync(`${out}.staging`)).toBe(true);
    child.kill('SIGKILL');
    const result = await done;
    expect(result.signal).toBe('SIGKILL');
    expect(snapshot(out)).toBe(oldSnapshot);

    const again = await run(['synth', '--environments', envs, '--out', out]);
    expect(again.code).toBe(0);
    expect(existsSync(`${out}.staging`)).toBe(false);
    expect(existsSync(`${out}.previous`)).toBe(false);
    expect(snapshot(out)).toBe(expectedNew());
  });

  test('killed at random moments: always the old tree or the new one', async () => {
    const seed = Number(process.env.ATOMIC_SEED ?? 20261125);
    console.log(`kill-mid-synth seed ${seed} (repeat with ATOMIC_SEED=${seed})`);
    const random = prng(seed);
    const runs = 5;
    const results = await Promise.all(
      Array.from({ length: runs }, async (_, i) => {
        const out = join(base, `random-${i}`);
        cpSync(oldTree, out, { recursive: true });
        // Killed a random time after it starts building the new tree (while it copies, writes or swaps).
        const delay = Math.floor(random() * 80);
        const { child, done } = start(['synth', '--environments', envs, '--out', out]);
        let timer: NodeJS.Timeout | undefined;
        const poll = setInterval(() => {
          if (existsSync(`${out}.staging`)) {
            clearInterval(poll);
            timer = setTimeout(() => child.kill('SIGKILL'), delay);
          }
        }, 1);
        const result = await done;
        clearInterval(poll);
        clearTimeout(timer);
        return { out, delay, result };
      }),
    );
    const outcomes: string[] = [];
    for (const { out, delay, result } of results) {
      const what = `run killed ${delay} ms into the write (${result.signal ?? `exit ${result.code}`})`;
      const now = snapshot(out);
      outcomes.push(
        `${delay}ms:${now === undefined ? 'between renames' : now === oldSnapshot ? (existsSync(`${out}.staging`) ? 'old (staging begun)' : 'old') : 'new'}`,
      );
      if (now === undefined) {
        // Stopped between the two renames: the old tree is whole beside it, and the next synth puts it back.
        expect(snapshot(`${out}.previous`), what).toBe(oldSnapshot);
        recover(out);
        expect(snapshot(out), what).toBe(oldSnapshot);
      } else {
        expect([oldSnapshot, expectedNew()], what).toContain(now);
      }
      rmSync(`${out}.staging`, { recursive: true, force: true });
    }
    console.log(`outcomes: ${outcomes.join(', ')}`);
  });
});

describe('oversized environment files', () => {
  test('a file over 10 MB is refused with a clear message, before it is read', async () => {
    const dir = copyEnvironments();
    const padding = `# ${'x'.repeat(1000)}\n`.repeat(Math.ceil(MAX_FILE_BYTES / 1002) + 10);
    edit(dir, 'production.yaml', (t) => t + padding);
    const r = await run(['validate', '--environments', dir, '--env', 'production']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /production\.yaml {2}file is \d+ bytes, more than the 10485760 an environment file may have: refused unread/,
    );
    // The shared layer too.
    const shared = copyEnvironments();
    edit(shared, '_rucio.yaml', (t) => t + padding);
    const s = await run(['validate', '--environments', shared]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/_rucio\.yaml {2}file is \d+ bytes/);
  });

  test('a directory or a FIFO named like an environment is refused, not read or waited on', async () => {
    const dir = copyEnvironments();
    mkdirSync(join(dir, 'folder.yaml'));
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const r = await run(['validate', '--environments', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/folder\.yaml {2}is not a regular file \(a directory\)/);
    expect(r.stderr).toMatch(/pipe\.yaml {2}is not a regular file \(a special file\)/);
  });

  test('an output that is a file is refused with a message, not a stack trace', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rucio-gitops-out-')), 'dist');
    writeFileSync(file, 'not a folder\n');
    const r = await run(['synth', '--environments', envs, '--env', 'production', '--out', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${file} is not a folder: pass --out DIR\n`);
  });
});
