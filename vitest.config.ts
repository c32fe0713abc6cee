import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every temporary folder of the run inside one, removed at the end (test/global-setup.ts).
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A worker process runs one test file after another with the modules it already imported (TypeScript
    // transformed once, cdk8s, zod and the models loaded once): a fresh process per file cost about 2 s of CPU per
    // file before its first test. Test files restore what they change (process.env), their temporary folders go with
    // the run's own temporary folder (test/global-setup.ts), and module state is caches only.
    isolate: false,
    // One worker per core, and at least two. Vitest's default leaves a core to its main process, which here only
    // collects results: on a 2-core machine that ran the files one after another (246 s; two workers, 157–167 s on
    // a fresh clone). Test files share no fixed paths or ports (temporary folders, port 0), and bin/build.js takes a
    // lock, so two files at once are safe.
    maxWorkers: Math.max(2, availableParallelism()),
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
