import type { RoundFigures } from '../harness/measure.ts';
import type { PropagationResult } from '../scenarios/propagation.ts';
import type { RouterResult } from '../scenarios/router.ts';
import type { PathProfile } from '../scenarios/stages.ts';
import type { BenchSettings, NotRun } from '../scenarios/types.ts';

/** One HTTP configuration as reported, with ratios against the floor measured in the same run. */
export interface HttpRow {
  id: string;
  label: string;
  connections: number;
  requests: number;
  /** Length of the measured run in seconds. */
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Responses by HTTP status. */
  statusCodes: Record<string, number>;
  /** What the target's server-side counters moved by during the measured run. */
  counters: Record<string, number>;
  /** Microseconds of CPU per 2xx response, by role (`server`, `postgres`, `redis`). */
  cpuUsPerRequest: Record<string, number>;
  totalCpuUsPerRequest: number;
  rpsVsFloor: number | null;
  serverCpuVsFloor: number | null;
  /** Every round's throughput and CPU per request, in round order. */
  rounds: RoundFigures[];
}

/** A figure from the issue, what this run measured, and whether it was reached. */
export interface TargetRow {
  scenario: number;
  target: string;
  measured: string;
  aim: string;
  /** null when the figure is informational or could not be computed. */
  met: boolean | null;
  /**
   * For figures measured in several rounds: how many rounds reached the aim on their own. When
   * they disagree, the verdict is unsettled: the machine's noise is larger than the margin.
   */
  roundsMet?: { met: number; of: number };
}

/** A scenario that started but failed; the rest of the run still reports. */
export interface ScenarioFailure {
  scenario: string;
  error: string;
}

/** Everything one run measured; written as JSON and rendered as markdown. */
export interface BenchReport {
  date: string;
  command: string;
  machine: { cores: number; cpuModel: string; node: string; layout: string; loadAverage: number[] };
  settings: BenchSettings;
  http: HttpRow[];
  propagation: PropagationResult | null;
  router: RouterResult | null;
  /** Where a request's server CPU goes, per stage, from a profile of the data plane. */
  stages: PathProfile[] | null;
  targets: TargetRow[];
  notRun: NotRun[];
  failures: ScenarioFailure[];
}
