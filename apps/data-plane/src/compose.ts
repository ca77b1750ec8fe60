import { join } from 'node:path';
import type { Bus } from '@modelplane/bus';
import type { DB } from '@modelplane/db';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { buildApp } from './app.ts';
import { createBackendManager } from './backends/backend-manager.ts';
import type { BackendManager } from './backends/types.ts';
import { RoutingState } from './routing/routing-state.ts';

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
  reconcileIntervalMs?: number;
  heartbeatIntervalMs?: number;
  intraOpThreads?: number;
}

export interface DataPlane {
  app: FastifyInstance;
  routing: RoutingState;
  backends: BackendManager;
  /** Loads the routing tables and starts following changes; the app is ready once this resolves. */
  start(): Promise<void>;
}

/**
 * Wires routing state, backends and the HTTP app: used by the standalone data plane and by the
 * all-in-one server, so both run the same composition. Closing the app closes routing and backends.
 */
export async function createDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const backends = createBackendManager({
    db: options.db,
    // Content-addressed and written by atomic rename, so replicas on one host can share it.
    cacheDir: join(options.dataDir, 'artifacts'),
    logger: options.logger,
    intraOpThreads: options.intraOpThreads ?? 1,
  });
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
  const app = await buildApp({
    routing,
    backends,
    predictAuth: options.predictAuth,
    ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    logger: options.logger,
  });
  app.addHook('onClose', async () => {
    await routing.close();
    await backends.close();
  });
  return { app, routing, backends, start: () => routing.start() };
}
