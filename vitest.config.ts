import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Compiles the renderer's runes (*.svelte.ts controllers) for their unit tests; other files pass through.
  plugins: [svelte({ configFile: false })],
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
