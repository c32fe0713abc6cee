import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A worker process runs one test file after another with the modules it already imported (TypeScript
    // transformed once, cdk8s, zod and the models loaded once): a fresh process per file cost about 2 s of CPU per
    // file before its first test. Test files clean up what they change (temporary folders, process.env), and module
    // state is caches only.
    isolate: false,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
