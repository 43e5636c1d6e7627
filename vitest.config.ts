import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores on the build machines: more workers only thrash.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
