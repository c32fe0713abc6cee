/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after vitest's own summary, so that any CI
 * reading the log sees the count in a common format, preceded by one line per reason tests were skipped for (a missing
 * program, see `test/tools.ts`).
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const reasons = new Map<string, number>();
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          const reason = /\[skipped: ([^\]]+)\]/.exec(t.fullName)?.[1];
          if (reason) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    for (const [reason, n] of [...reasons].sort())
      process.stdout.write(`\nskipped ${n} test${n === 1 ? '' : 's'}: ${reason}`);
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
