import type { DB } from '@modelplane/db';
import type { Kysely } from 'kysely';
import { Registry } from 'prom-client';
import type { BackendStats } from '../backends/stats.ts';
import type { BufferLogger } from './batch-buffer.ts';
import { type CollectorSources, registerCollectors } from './collectors.ts';
import { DEFAULT_FEEDBACK_OPTIONS, type FeedbackOptions, FeedbackWriter } from './feedback-writer.ts';
import { RequestMetrics } from './metrics.ts';
import { PayloadSettings } from './payload-settings.ts';
import {
  DEFAULT_PREDICTION_LOG_OPTIONS,
  PredictionLog,
  type PredictionLogOptions,
} from './prediction-log.ts';
import { RollupWriter } from './rollups.ts';

/** How to build a replica's {@link Telemetry}. */
export interface TelemetryOptions {
  /** Without a database only metrics are kept: no prediction log, rollups or feedback. */
  db?: Kysely<DB>;
  replicaId: string;
  routing: CollectorSources['routing'];
  backendStats?: BackendStats;
  cacheStats?: CollectorSources['cacheStats'];
  logger?: BufferLogger;
  predictionLog?: Partial<PredictionLogOptions>;
  feedback?: Partial<FeedbackOptions>;
  /** How often closed rollup minutes are written (default 10000 ms). */
  rollupFlushIntervalMs?: number;
  /** How often payload-logging settings are re-read (default 15000 ms). */
  payloadRefreshMs?: number;
  /** How long shutdown keeps trying to write what is buffered (default 5000 ms). */
  shutdownFlushMs?: number;
}

/** A replica's metrics registry and its writers to Postgres; `close()` flushes them. */
export interface Telemetry {
  readonly replicaId: string;
  readonly registry: Registry;
  readonly metrics: RequestMetrics;
  readonly predictionLog: PredictionLog | null;
  readonly rollups: RollupWriter | null;
  readonly feedback: FeedbackWriter | null;
  readonly payloads: PayloadSettings | null;
  /** Writes everything buffered, then stops the timers. Call before closing the database. */
  close(): Promise<void>;
}

const silent: BufferLogger = { info() {}, warn() {} };

/** Builds the metrics and, given a database, the prediction log, rollups and feedback writers. */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  const logger = options.logger ?? silent;
  const registry = new Registry();
  const metrics = new RequestMetrics(registry);
  const db = options.db;
  const logOptions = { ...DEFAULT_PREDICTION_LOG_OPTIONS, ...options.predictionLog };
  const predictionLog = db && logOptions.enabled ? new PredictionLog(db, logOptions, logger) : null;
  const rollups = db
    ? new RollupWriter(
        db,
        {
          replicaId: options.replicaId,
          ...(options.rollupFlushIntervalMs !== undefined && {
            flushIntervalMs: options.rollupFlushIntervalMs,
          }),
        },
        logger,
      )
    : null;
  const feedback = db
    ? new FeedbackWriter(db, options.replicaId, { ...DEFAULT_FEEDBACK_OPTIONS, ...options.feedback }, logger)
    : null;
  const payloads = db ? new PayloadSettings(db, options.payloadRefreshMs ?? 15_000, logger) : null;
  void payloads?.refresh();
  registerCollectors(registry, {
    routing: options.routing,
    predictionLog: predictionLog?.stats ?? null,
    feedback: feedback?.buffer.stats ?? null,
    rollups,
    ...(options.backendStats && { backendStats: options.backendStats }),
    ...(options.cacheStats && { cacheStats: options.cacheStats }),
  });
  let closing: Promise<void> | null = null;
  return {
    replicaId: options.replicaId,
    registry,
    metrics,
    predictionLog,
    rollups,
    feedback,
    payloads,
    close() {
      const flushMs = options.shutdownFlushMs ?? 5000;
      closing ??= (async () => {
        payloads?.close();
        await Promise.all([predictionLog?.close(flushMs), feedback?.buffer.close(flushMs), rollups?.close()]);
      })();
      return closing;
    },
  };
}
