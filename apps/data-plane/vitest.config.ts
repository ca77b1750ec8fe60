import { configDefaults, defineConfig } from 'vitest/config';

// vitest only reads a default export; this is the one place the named-exports rule gives way.
export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'data-plane',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/fleet/**', 'test/serial/**'],
        },
      },
      {
        // Each fleet file runs a control plane and several data-plane processes: they run after
        // everything else, one file at a time, so they never compete for the CPU with other tests.
        extends: true,
        test: {
          name: 'fleet',
          // test/serial: timing-sensitive suites (batch waits, event-loop lag, overload, shutdown).
          include: ['test/fleet/**/*.test.ts', 'test/serial/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
