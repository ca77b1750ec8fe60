import { defineConfig } from 'vitest/config';

// vitest only reads a default export; this is the one place the named-exports rule gives way.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The embedded server boots PGlite and migrates it on first start; on a busy 2-core machine
    // that alone can take half a minute.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
