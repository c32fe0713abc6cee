#!/usr/bin/env node
// The installed command runs the compiled JavaScript: no TypeScript compilation at run time. It prefers the bundle
// (.build/bundle/cli.cjs, made by bin/bundle.js in `npm run build`) when it is at least as new as the last tsc
// output: one file to read instead of ~200 modules, compiled from V8's code cache beside it once a command has run.
// After a plain `tsc` the bundle is older, and the compiled module tree is used.
import { isAscii } from 'node:buffer';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

// After each full garbage collection the heap may grow by 50 % over what it kept, instead of V8's default factor of up
// to 4: a large run (200 releases in one environment) stays under 400 MB of peak memory (~370 MB, against ~400 MB
// with the default), for no CPU time measurable in the bundled synth. V8 reads the factor at every collection, so it
// can be set here, before the program is loaded.
setFlagsFromString('--heap-growing-percent=50');
const file = (rel) => fileURLToPath(new URL(rel, import.meta.url));
// node:worker_threads is loaded only when a large run starts its worker (loading it costs ~5 ms of every start).
const newWorker = (path, options) => new (createRequire(import.meta.url)('node:worker_threads').Worker)(path, options);
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};
const tree = file('../.build/src/cli/main.js');
const bundle = file('../.build/bundle/cli.cjs');
if (mtime(tree) === undefined) {
  process.stderr.write(
    "rucio-gitops: not built yet: run 'npm run build' (npm install and npm ci build it when the dev dependencies are installed)\n",
  );
  process.exit(2);
}
// How run-time chosen modules (the schema check's models) are imported and resolved: from here, as an ES module,
// also when the command runs from the bundle (a script, in which import() is not available).
const host = {
  import: (specifier) => import(specifier),
  resolve: (specifier) => createRequire(import.meta.url).resolve(specifier),
};
// Environment files parsed and found clean are kept by content (src/load/parse-cache.ts) in .build/cache/parse/, which
// a build empties, or in the folder RUCIO_GITOPS_PARSE_CACHE names (`off`: no cache); the stamp of the code that runs
// (bundle or tree) is part of every entry's name.
const parseCache = (code) => {
  const dir = process.env.RUCIO_GITOPS_PARSE_CACHE || file('../.build/cache/parse');
  return dir === 'off' ? undefined : { dir, stamp: `${code}@${mtime(code)}` };
};
const bundled = mtime(bundle);
if (bundled === undefined || bundled < (mtime(file('../.build/.tsbuildinfo')) ?? Infinity)) {
  // The worker thread of the checks' credential scans (src/checks/scan-pool.ts), from the same compiled code.
  host.startScanWorker = (resourceLimits) => newWorker(file('../.build/src/checks/scan-worker.js'), { resourceLimits });
  host.parseCache = parseCache(tree);
  const { run } = await import(pathToFileURL(tree).href);
  await run(host);
} else {
  const cache = `${bundle}.cache`;
  // RUCIO_GITOPS_CODE_CACHE=off runs without the cache, neither reading nor writing it (the benchmark compares both).
  const useCache = process.env.RUCIO_GITOPS_CODE_CACHE !== 'off';
  let cachedData;
  try {
    cachedData = useCache ? readFileSync(cache) : undefined;
  } catch {
    cachedData = undefined;
  }
  // The bundle is ASCII (bin/bundle.js): read as Latin-1 it is one copy into a one-byte string, without UTF-8 decoding.
  const bytes = readFileSync(bundle);
  const source = isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  // The worker thread of the checks' credential scans: its own small bundle (the scanner only), made with this one.
  host.startScanWorker = (resourceLimits) => newWorker(file('../.build/bundle/scan-worker.cjs'), { resourceLimits });
  host.parseCache = parseCache(bundle);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  await module.exports.run(host);
  // Keep the code V8 compiled for a command that ran (not for --help), so the next start skips compiling it.
  const command = process.argv[2];
  if (
    useCache &&
    (cachedData === undefined || script.cachedDataRejected) &&
    process.exitCode === 0 &&
    command !== undefined &&
    !command.startsWith('-') &&
    command !== 'help'
  ) {
    try {
      const temp = `${cache}.${process.pid}`;
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, cache);
    } catch {
      // A read-only installation runs without the cache.
    }
  }
}
