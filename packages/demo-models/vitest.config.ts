import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Builds models/ when a test run starts without `pnpm build` having run first.
    globalSetup: ['src/testing/global-setup.ts'],
  },
});
