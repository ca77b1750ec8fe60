import { join } from 'node:path';
import type { Bus } from '@modelplane/bus';
import type { DB } from '@modelplane/db';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { buildApp } from './app.ts';
import { createBackendManager } from './backends/backend-manager.ts';
import type { ServingSettings } from './backends/serving-config.ts';
import { BackendStats } from './backends/stats.ts';
import type { BackendManager } from './backends/types.ts';
import { type CacheSettings, createPredictionCache } from './cache/config.ts';
import { Admission } from './overload/admission.ts';
import { createLifecycle, type Lifecycle } from './overload/lifecycle.ts';
import { LoadGuard } from './overload/load-guard.ts';
import { watchFleetSize } from './quota/fleet-size.ts';
import { TokenQuotas } from './quota/token-quotas.ts';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from './routing/heartbeat.ts';
import { RoutingState } from './routing/routing-state.ts';
import { createTelemetry, type Telemetry, type TelemetryOptions } from './telemetry/index.ts';
import type { RequestLimits } from './validation/limits.ts';

/** What a data plane is built from; the caller owns (and closes) db and bus. */
export interface DataPlaneOptions {
  db: Kysely<DB>;
  bus: Bus;
  /** Artifacts are cached under `<dataDir>/artifacts`, the routing snapshot under `<dataDir>/replica-<id>`. */
  dataDir: string;
  replicaId: string;
  logger: FastifyBaseLogger;
  predictAuth: boolean;
  maxBodyBytes?: number;
  /** How much of a body over maxBodyBytes is read and discarded before the 413 (default 8 MiB). */
  maxBodyDrainBytes?: number;
  reconcileIntervalMs?: number;
  heartbeatIntervalMs?: number;
  intraOpThreads?: number;
  /** Remote backends, deadlines, admission defaults, overload guard and shutdown (see serving-config.ts). */
  serving?: ServingSettings;
  /** Prediction-log, feedback and rollup buffer settings (see telemetry/telemetry.ts). */
  telemetry?: Omit<
    TelemetryOptions,
    'db' | 'replicaId' | 'routing' | 'backendStats' | 'cacheStats' | 'logger'
  >;
  /** The prediction cache: tier sizes and Redis (see cache/config.ts); in-process 64 MiB by default. */
  cache?: Partial<CacheSettings>;
  /** Request body limits (see validation/limits.ts). */
  limits?: Partial<RequestLimits>;
}

export interface DataPlane {
  app: FastifyInstance;
  routing: RoutingState;
  backends: BackendManager;
  /** Backend telemetry for /metrics: batches, remote calls, breakers, admission gauges, shed counts. */
  stats: BackendStats;
  /** Drain state, in-flight count, and `onShutdown(hook)` for buffers to flush before exit. */
  lifecycle: Lifecycle;
  /** Metrics registry, prediction log, rollups and feedback writers. */
  telemetry: Telemetry;
  /** Graceful shutdown (drain, stop accepting, wait, flush hooks, close); main.ts exits after it. */
  shutdown(): Promise<{ abandoned: number }>;
  /** Loads the routing tables and starts following changes; the app is ready once this resolves. */
  start(): Promise<void>;
}

/**
 * Wires routing state, backends and the HTTP app: used by the standalone data plane and by the
 * all-in-one server, so both run the same composition. Closing the app closes routing and backends.
 */
export async function createDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const serving = options.serving ?? {};
  const stats = new BackendStats();
  const maxDeadlineMs = serving.execution?.maxDeadlineMs;
  const backends = createBackendManager({
    db: options.db,
    // Content-addressed and written by atomic rename, so replicas on one host can share it.
    cacheDir: join(options.dataDir, 'artifacts'),
    logger: options.logger,
    intraOpThreads: options.intraOpThreads ?? 1,
    ...(serving.remote && { remote: serving.remote }),
    ...(serving.network && { network: serving.network }),
    ...(serving.artifacts?.fileRoot !== undefined && { artifactFileRoot: serving.artifacts.fileRoot }),
    ...(serving.artifacts?.fetchTimeoutMs !== undefined && {
      fetchTimeoutMs: serving.artifacts.fetchTimeoutMs,
    }),
    ...(maxDeadlineMs !== undefined && { defaultTimeoutMs: maxDeadlineMs }),
    ...(serving.shutdown?.backendCloseMs !== undefined && {
      closeTimeoutMs: serving.shutdown.backendCloseMs,
    }),
    ...(serving.maxLoadedVersions !== undefined && { maxLoadedVersions: serving.maxLoadedVersions }),
    stats,
  });
  const guard = new LoadGuard(serving.guard ?? {}, stats);
  const routing = new RoutingState({
    db: options.db,
    bus: options.bus,
    backends,
    dataDir: join(options.dataDir, `replica-${options.replicaId}`),
    logger: options.logger,
    replicaId: options.replicaId,
    ...(options.reconcileIntervalMs !== undefined && { reconcileIntervalMs: options.reconcileIntervalMs }),
    ...(options.heartbeatIntervalMs !== undefined && { heartbeatIntervalMs: options.heartbeatIntervalMs }),
  });
  const cache = createPredictionCache(options.cache ?? {}, options.logger);
  const telemetry = createTelemetry({
    db: options.db,
    replicaId: options.replicaId,
    routing,
    backendStats: stats,
    cacheStats: () => cache.snapshot(),
    logger: options.logger,
    ...options.telemetry,
  });
  const quotas = new TokenQuotas();
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  // Each replica admits its share of a token's quota, so it needs to know how many share it.
  const fleetSize = watchFleetSize({
    db: options.db,
    intervalMs: heartbeatIntervalMs,
    liveWindowMs: 3 * heartbeatIntervalMs,
    onCount: (count) => quotas.setReplicas(count),
  });
  const lifecycle = createLifecycle({ ...serving.shutdown, logger: options.logger });
  const app = await buildApp({
    routing,
    backends,
    predictAuth: options.predictAuth,
    quotas,
    ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    ...(options.maxBodyDrainBytes !== undefined && { maxBodyDrainBytes: options.maxBodyDrainBytes }),
    logger: options.logger,
    execution: {
      admission: new Admission(serving.execution?.admission, stats),
      maxDeadlineMs: maxDeadlineMs ?? 30_000,
      stats,
    },
    guard,
    isDraining: () => lifecycle.draining,
    tracker: lifecycle,
    telemetry,
    cache,
    ...(options.limits && { limits: options.limits }),
  });
  lifecycle.bind(app);
  // Buffered log rows and feedback are written once the last request is done, before the pools close.
  lifecycle.onShutdown(() => telemetry.close());
  guard.start();
  app.addHook('onClose', async () => {
    guard.stop();
    fleetSize.stop();
    // Idempotent: a no-op after the shutdown hook, the flush when the app is closed directly.
    await telemetry.close();
    await routing.close();
    await backends.close();
  });
  const { shutdown } = lifecycle;
  return { app, routing, backends, stats, lifecycle, telemetry, shutdown, start: () => routing.start() };
}
