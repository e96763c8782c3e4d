import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Concurrency tests fire hundreds of requests at real servers; on 2 cores a
    // slow CI run needs room, but nothing here should take a minute.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one stack; each test isolates itself by a unique SKU.
    pool: 'forks',
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
