#!/usr/bin/env node
// The installed command runs the compiled JavaScript: no TypeScript compilation at run time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../.build/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("rucio-gitops: not built yet: run 'npm run build' (or 'npm install', which builds)\n");
  process.exit(2);
}
const { run } = await import(entry.href);
await run();
