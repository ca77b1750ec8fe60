import { defineConfig } from 'vitest/config';

// vitest only reads a default export; this is the one place the named-exports rule gives way.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A real server and a real browser on a busy 2-core machine.
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
