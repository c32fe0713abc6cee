// A fuzz worker thread: runs cases through the compiled CLI's main() in this process, in its own copy of the
// environments and dist/, and reports each outcome. Plain JavaScript, since worker threads do not go through vitest.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { root, originals } = workerData;
const { main } = await import(pathToFileURL(join(root, '.build', 'src', 'cli', 'main.js')).href);

function snapshot(dir) {
  if (!existsSync(dir)) return undefined;
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(`${relative(dir, full)} ${createHash('sha1').update(readFileSync(full)).digest('hex')}`);
    }
  };
  walk(dir);
  return out.sort().join('\n');
}

async function run(args) {
  let stdout = '';
  let stderr = '';
  try {
    const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  } catch (e) {
    return { code: -1, stdout, stderr: stderr + (e instanceof Error ? (e.stack ?? e.message) : String(e)) };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'rucio-gitops-fuzzw-'));
const envDir = join(dir, 'environments');
const pristine = join(dir, 'pristine');
cpSync(join(root, 'environments'), envDir, { recursive: true });
cpSync(join(root, 'environments'), pristine, { recursive: true });
const dist = join(dir, 'dist');
const first = await run(['synth', '--environments', pristine, '--out', dist]);
if (first.code !== 0) throw new Error(`worker could not synthesize the bundled environments: ${first.stderr}`);
const baseline = snapshot(dist);
const pristineDist = join(dir, 'pristine-dist');
cpSync(dist, pristineDist, { recursive: true });

// What each environment file holds now: only the files that change are written.
const onDisk = new Map(Object.entries(originals));

// Jobs run one at a time, in order: the files of the environments folder are shared by all of them.
let queue = Promise.resolve();
parentPort.on('message', (job) => {
  queue = queue.then(() => handle(job));
});

async function handle(job) {
  if (job === null) {
    rmSync(dir, { recursive: true, force: true });
    parentPort.close();
    return;
  }
  for (const [f, text] of Object.entries(originals)) {
    const wanted = f === job.file ? job.text : text;
    if (onDisk.get(f) === wanted) continue;
    writeFileSync(join(envDir, f), wanted);
    onDisk.set(f, wanted);
  }
  const args = job.synth
    ? ['synth', '--environments', envDir, '--env', job.env, '--out', dist]
    : ['validate', '--environments', envDir, '--env', job.env];
  const t = performance.now();
  const result = await run(args);
  const ms = performance.now() - t;
  let distChanged = false;
  if (job.synth) {
    distChanged = snapshot(dist) !== baseline;
    if (distChanged) {
      rmSync(dist, { recursive: true, force: true });
      cpSync(pristineDist, dist, { recursive: true });
    }
  }
  parentPort.postMessage({
    index: job.index,
    ms,
    distChanged,
    ...result,
    stdout: result.stdout.slice(0, 600_000),
    stderr: result.stderr.slice(0, 600_000),
  });
}
parentPort.postMessage('ready');
