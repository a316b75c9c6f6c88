import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Tests train tiny models; a few take seconds on the wasm backend.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run test files in two forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
