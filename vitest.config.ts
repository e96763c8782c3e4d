import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Concurrency tests fire hundreds of requests at real servers; on 2 cores a
    // slow CI run needs room, but nothing here should take a minute.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one stack; each test isolates itself by a unique SKU. Files
    // run one at a time: several start a worker, and the kill test needs to be
    // the only worker alive when it kills its own (any other would pick up its
    // partitions and outbox rows). One at a time also keeps lock and timing
    // tests from fighting over the 2 cores.
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
