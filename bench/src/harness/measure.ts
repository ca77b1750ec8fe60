import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadResult, LoadSpec } from '../load/load-spec.ts';
import type { TimeWindow } from '../profile/stages.ts';
import type { CoreLayout } from './cores.ts';
import { CpuProbe, type PidSource } from './cpu.ts';
import { runLoad } from './load.ts';

/** Timing of one HTTP measurement. */
export interface RunSettings {
  warmupS: number;
  durationS: number;
}

/** One measured HTTP configuration: load results plus CPU per 2xx response by role. */
export interface HttpMeasurement {
  id: string;
  label: string;
  connections: number;
  load: LoadResult;
  /** Milliseconds of CPU per 2xx response: `server`, and `postgres` / `redis` where they take part. */
  cpuMsPerRequest: Record<string, number>;
  /** Sum over every role. */
  totalCpuMsPerRequest: number;
  /** How much each of the target's counters moved during the measured run. */
  counters: Record<string, number>;
  /** Every round's figures in round order (filled in by the runner; this run's alone until then). */
  rounds: RoundFigures[];
}

/** What one round measured for a target: enough to pair it with another target of the same round. */
export interface RoundFigures {
  rps: number;
  serverCpuUs: number;
  totalCpuUs: number;
  /** 2xx responses in the measured run. */
  requests?: number;
  /** The measured run on the monotonic clock, in µs (as `.cpuprofile` samples are stamped). */
  window?: TimeWindow;
}

/** What to measure: a running server, how to load it, and whose CPU to count. */
export interface HttpTarget {
  id: string;
  label: string;
  load: Omit<LoadSpec, 'durationS'>;
  /** Role name to pids; `server` at least. */
  cpu: Record<string, PidSource>;
  /** Runs before each round's warm-up (e.g. to start the server afresh: `bench:ab --fresh`). */
  beforeRound?: () => Promise<void>;
  /** Runs after the warm-up, before the measured window (e.g. to pin Postgres backends opened meanwhile). */
  afterWarmup?: () => Promise<void> | void;
  /**
   * Server-side counters (rows logged, batches run) read before and after the measured run, each
   * time after `settleMs` so work the server defers (a buffered flush) lands in the right window.
   */
  counters?: { read: () => Promise<Record<string, number>>; settleMs: number };
}

/**
 * Warm-up run (not recorded), then the measured run with the CPU of every role sampled around it.
 * CPU per request divides by 2xx responses, so a server answering errors fast does not look cheap.
 */
export async function measureHttp(
  layout: CoreLayout,
  settings: RunSettings,
  target: HttpTarget,
): Promise<HttpMeasurement> {
  if (settings.warmupS > 0) await runLoad(layout.loadCore, spec(target, settings.warmupS));
  await target.afterWarmup?.();
  const before = await readCounters(target);
  const probe = new CpuProbe(target.cpu);
  await probe.start();
  const fromUs = monotonicUs();
  const load = await runLoad(layout.loadCore, spec(target, settings.durationS));
  const toUs = monotonicUs();
  const cpu = await probe.stop();
  const after = await readCounters(target);
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) counters[name] = value - (before[name] ?? 0);
  const ok = load.rps * load.durationS;
  const cpuMsPerRequest: Record<string, number> = {};
  let total = 0;
  for (const [role, ms] of Object.entries(cpu)) {
    const perRequest = ok > 0 ? ms / ok : Number.NaN;
    cpuMsPerRequest[role] = perRequest;
    total += perRequest;
  }
  const figures = {
    rps: load.rps,
    serverCpuUs: (cpuMsPerRequest.server ?? Number.NaN) * 1000,
    totalCpuUs: total * 1000,
    requests: Math.round(ok),
    window: { fromUs, toUs },
  };
  return {
    id: target.id,
    label: target.label,
    connections: target.load.connections,
    load,
    cpuMsPerRequest,
    totalCpuMsPerRequest: total,
    counters,
    rounds: [figures],
  };
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

async function readCounters(target: HttpTarget): Promise<Record<string, number>> {
  if (!target.counters) return {};
  await sleep(target.counters.settleMs);
  return target.counters.read();
}

const REQUESTS_PER_RUN_BOUND = 1_000_000;
let runs = 0;

// Distinct inputs must stay distinct across runs too, or the old design's Redis cache would
// answer a later run from an earlier one.
function spec(target: HttpTarget, durationS: number): LoadSpec {
  const bodies = target.load.bodies;
  const offset = ++runs * REQUESTS_PER_RUN_BOUND;
  return { ...target.load, durationS, bodies: bodies.kind === 'distinct' ? { ...bodies, offset } : bodies };
}
