import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with the plainest closing line, "N passed, N failed", alone
 * and last, which CI logs are judged by (vitest's own summary is not among
 * the runners such tools read), after a line with the skipped count. A CI
 * run whose last line was "vitest: N passed, N failed, N skipped" was still
 * counted as running no test; this form leaves nothing to interpret.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed += 1;
        else if (state === 'failed') counts.failed += 1;
        else counts.skipped += 1;
      }
    }
    process.stdout.write(`\nvitest skipped: ${counts.skipped}\n${counts.passed} passed, ${counts.failed} failed\n`);
  }
}
