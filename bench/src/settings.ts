import type { BenchSettings } from './scenarios/types.ts';

/** `pnpm bench`: each HTTP configuration 3 s warm-up + 10 s measured, in three interleaved rounds. */
export const FULL_SETTINGS: BenchSettings = {
  mode: 'full',
  warmupS: 3,
  durationS: 10,
  rounds: 3,
  connections: 32,
  batchingConnections: 64,
  propagationChanges: 100,
  convergenceTrials: 5,
  reconcileIntervalMs: 1000,
  routerSeconds: 3,
};

/** The CI smoke: every scenario runs briefly; the numbers only have to be sane. */
export const SMOKE_SETTINGS: BenchSettings = {
  mode: 'smoke',
  // No separate warm-up run: a second load-generator start per target would double the smoke.
  warmupS: 0,
  durationS: 1.5,
  rounds: 1,
  connections: 16,
  batchingConnections: 64,
  propagationChanges: 10,
  convergenceTrials: 1,
  reconcileIntervalMs: 1000,
  routerSeconds: 0.5,
};
