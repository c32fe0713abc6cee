#!/usr/bin/env node
// The installed command runs the compiled JavaScript: no TypeScript compilation at run time. It prefers the bundle
// (bin/bundle.js, made by `npm run build`) when it is at least as new as the last tsc output: a few files to load
// instead of ~200 modules. After a plain `tsc` the bundle is older, and the compiled module tree is used.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const tree = new URL('../.build/src/cli/main.js', import.meta.url);
const bundle = new URL('../.build/bundle/main.js', import.meta.url);
const buildInfo = new URL('../.build/.tsbuildinfo', import.meta.url);
if (!existsSync(fileURLToPath(tree))) {
  process.stderr.write("rucio-gitops: not built yet: run 'npm run build' (or 'npm install', which builds)\n");
  process.exit(2);
}
const mtime = (url) => {
  try {
    return statSync(fileURLToPath(url)).mtimeMs;
  } catch {
    return undefined;
  }
};
const bundled = mtime(bundle);
const entry = bundled !== undefined && bundled >= (mtime(buildInfo) ?? Infinity) ? bundle : tree;
const { run } = await import(entry.href);
await run();
