import { defineConfig } from 'vitest/config';

// vitest only reads a default export; this is the one place the named-exports rule gives way.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
