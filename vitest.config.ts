import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites start real servers on fixed loopback ports per file; running files in
    // parallel is safe because each suite picks its own ports (see test/helpers/ports.ts).
    fileParallelism: true,
    maxWorkers: 2,
  },
});
