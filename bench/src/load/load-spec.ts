import type { BodyKind } from './bodies.ts';

/** What one load-generator run does; passed to the worker as JSON. */
export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  bodies: BodyKind;
  /** Per-request timeout in seconds (autocannon's default is 10). */
  timeoutS?: number;
  /** Requests per second over all connections; as fast as the server answers when absent. */
  rate?: number;
}

/** Latency of 2xx responses in milliseconds, from every response rather than autocannon's 1 ms buckets. */
export interface LatencySummary {
  p50: number;
  p99: number;
  p999: number;
  mean: number;
  max: number;
}

/** What one run measured, as the worker prints it. */
export interface LoadResult {
  /** Responses of any status. */
  requests: number;
  durationS: number;
  /** 2xx responses per second of the run. */
  rps: number;
  latency: LatencySummary;
  /** Connection errors and timeouts (no response). */
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
}

/** The value at quantile `q` of ascending `sorted` (nearest rank). */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}
