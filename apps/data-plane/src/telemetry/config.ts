import { z } from 'zod';
import type { TelemetryOptions } from './telemetry.ts';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

/**
 * Environment variables for the prediction log, feedback and rollups. The standalone data plane
 * and the all-in-one server both spread this into their schema; docs/monitoring.md describes each.
 */
export const TelemetryEnvShape = {
  // `off` keeps metrics and rollups but writes no per-request rows (no outcome joins, no SRM alert).
  PREDICTION_LOG: z.preprocess(emptyAsUndefined, z.enum(['on', 'off']).default('on')),
  PREDICTION_LOG_MAX_ROWS: int(100, 10_000_000, 50_000),
  PREDICTION_LOG_MAX_BYTES: int(64 * 1024, 4 * 1024 * 1024 * 1024, 64 * 1024 * 1024),
  PREDICTION_LOG_BATCH_ROWS: int(1, 20_000, 2000),
  PREDICTION_LOG_FLUSH_MS: int(10, 60_000, 1000),
  FEEDBACK_MAX_ROWS: int(10, 10_000_000, 20_000),
  ROLLUP_FLUSH_MS: int(100, 60_000, 10_000),
  TELEMETRY_SHUTDOWN_FLUSH_MS: int(0, 600_000, 5000),
};

type TelemetryEnv = {
  [K in keyof typeof TelemetryEnvShape]: K extends 'PREDICTION_LOG' ? 'on' | 'off' : number;
};

/** The telemetry part of createDataPlane's options, from the parsed environment. */
export function telemetrySettings(env: TelemetryEnv): Omit<TelemetryOptions, 'db' | 'replicaId' | 'routing'> {
  return {
    predictionLog: {
      enabled: env.PREDICTION_LOG === 'on',
      maxRows: env.PREDICTION_LOG_MAX_ROWS,
      maxBytes: env.PREDICTION_LOG_MAX_BYTES,
      batchRows: Math.min(env.PREDICTION_LOG_BATCH_ROWS, env.PREDICTION_LOG_MAX_ROWS),
      flushIntervalMs: env.PREDICTION_LOG_FLUSH_MS,
    },
    feedback: { maxRows: env.FEEDBACK_MAX_ROWS },
    rollupFlushIntervalMs: env.ROLLUP_FLUSH_MS,
    shutdownFlushMs: env.TELEMETRY_SHUTDOWN_FLUSH_MS,
  };
}
