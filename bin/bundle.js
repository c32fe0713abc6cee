#!/usr/bin/env node
// Build step after `tsc`: bundles the compiled command line into one CommonJS file, .build/bundle/cli.cjs, in which
// each command's modules are still evaluated only when the command runs. A command then starts by reading one file
// instead of ~200 modules (zod, yaml, cdk8s and their dependencies), and bin/rucio-gitops.js can keep V8's compiled
// code for it (a code cache next to it). bin/rucio-gitops.js uses the bundle when it is at least as new as the last
// `tsc` output, else the compiled module tree; so the bundle is an optimization only: without rolldown (a dev
// dependency), or when bundling fails, this step says so and the command runs from the module tree.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = `${root}.build/src/cli/main.js`;
const out = `${root}.build/bundle`;
const staging = `${out}.staging`;

let build;
try {
  ({ build } = await import('rolldown'));
} catch {
  rmSync(out, { recursive: true, force: true });
  process.stderr.write('rucio-gitops: rolldown is not installed: the command runs unbundled (slower start-up)\n');
  process.exit(0);
}
if (!existsSync(entry)) {
  process.stderr.write(`rucio-gitops: ${entry} does not exist: run tsc first\n`);
  process.exit(2);
}
// A module that finds files next to itself (import.meta.url) would look in the wrong folder once bundled.
const located = [];
const scan = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) scan(p);
    else if (e.name.endsWith('.js') && readFileSync(p, 'utf8').includes('import.meta'))
      located.push(p.slice(root.length));
  }
};
for (const d of ['src', 'constructs', 'values']) if (existsSync(`${root}.build/${d}`)) scan(`${root}.build/${d}`);
if (located.length > 0) {
  rmSync(out, { recursive: true, force: true });
  process.stderr.write(
    `rucio-gitops: not bundled, since these modules use import.meta: ${located.join(', ')}; the command runs unbundled\n`,
  );
  process.exit(0);
}
const version = (pkg) => {
  try {
    return JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, 'utf8')).version;
  } catch {
    return undefined;
  }
};
const sameYaml = version('yaml') !== undefined && version('yaml') === version('cdk8s/node_modules/yaml');
rmSync(staging, { recursive: true, force: true });
try {
  await build({
    input: entry,
    platform: 'node',
    logLevel: 'warn',
    // The models' RE2 patterns compile re2-wasm's WebAssembly engine when they are created: bin/lazy-re2.cjs compiles
    // each pattern on first use instead, loading re2-wasm (which reads its .wasm file beside itself) from node_modules.
    // @kubernetes-models/validate uses ajv-i18n's English messages only: bin/ajv-i18n-en.cjs loads that language alone.
    resolve: {
      alias: {
        '@kubernetes-models/validate/runtime/re2': `${root}bin/lazy-re2.cjs`,
        'ajv-i18n': `${root}bin/ajv-i18n-en.cjs`,
        // simple-git's CommonJS build: its requires (child_process, which loads net and dgram; debug) then run when a
        // command that uses git loads it, not when the bundle starts (an ES module's imports are hoisted to the top).
        'simple-git': `${root}node_modules/simple-git/dist/index.cjs`,
        // cdk8s ships its own copy of yaml (a bundled dependency): when it is the same version as ours, one copy.
        ...(sameYaml ? { yaml: `${root}node_modules/yaml/dist/index.js` } : {}),
      },
    },
    external: ['re2-wasm'],
    // ASCII only, without the documentation comments (kept: license notices): V8 then holds the source as one byte
    // per character (one non-ASCII character anywhere makes it two), and a command starts by reading ~40 % less.
    output: {
      file: `${staging}/cli.cjs`,
      format: 'cjs',
      codeSplitting: false,
      charset: 'ascii',
      comments: { legal: true, annotation: false, jsdoc: false },
    },
  });
  // The worker thread of the checks' credential scans (src/checks/scan-pool.ts) loads only the scanner.
  await build({
    input: `${root}.build/src/checks/scan-worker.js`,
    platform: 'node',
    logLevel: 'warn',
    output: {
      file: `${staging}/scan-worker.cjs`,
      format: 'cjs',
      codeSplitting: false,
      charset: 'ascii',
      comments: { legal: true, annotation: false, jsdoc: false },
    },
  });
} catch (e) {
  rmSync(staging, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  process.stderr.write(
    `rucio-gitops: bundling failed, the command runs unbundled: ${e instanceof Error ? e.message : e}\n`,
  );
  process.exit(0);
}
rmSync(out, { recursive: true, force: true });
renameSync(staging, out);
