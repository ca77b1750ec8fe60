import { defineConfig } from 'vitest/config';

// vitest only reads a default export; this is the one place the named-exports rule gives way.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The smoke starts real processes; one file at a time keeps it off the other tests' cores.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
