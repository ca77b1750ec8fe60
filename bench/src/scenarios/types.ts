import type { CoreLayout } from '../harness/cores.ts';
import type { HttpMeasurement } from '../harness/measure.ts';
import type { BenchEnvironment } from '../infra/environment.ts';

/** How long and how hard the scenarios run: the full bench and the CI smoke differ only here. */
export interface BenchSettings {
  mode: 'full' | 'smoke';
  warmupS: number;
  durationS: number;
  /** Interleaved rounds per HTTP configuration; the round with the highest throughput is kept. */
  rounds: number;
  /** Concurrent connections for the serving comparisons. */
  connections: number;
  /** Connections for the batching comparison (the issue fixes 64). */
  batchingConnections: number;
  /** Traffic changes timed in the propagation scenario. */
  propagationChanges: number;
  /** Lost-message and rollback trials. */
  convergenceTrials: number;
  /** The replicas' reconcile interval in the lost-message trials. */
  reconcileIntervalMs: number;
  /** CPU-seconds the router scenario spends. */
  routerSeconds: number;
}

/** What every scenario gets. */
export interface ScenarioContext {
  env: BenchEnvironment;
  layout: CoreLayout;
  settings: BenchSettings;
  /** When set, the serving data plane runs with `--cpu-prof` and writes its profile here on exit. */
  profileDir?: string;
  /** Progress lines for the person watching. */
  log(message: string): void;
}

/** A scenario that could not run, and why (a feature not landed yet, a missing tool). */
export interface NotRun {
  scenario: number;
  title: string;
  reason: string;
}

/** The HTTP measurements of a scenario, keyed by id. */
export type HttpResults = Map<string, HttpMeasurement>;
