import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Bus, createRedis, createRedisBus } from '@modelplane/bus';
import { type AppRouter, buildServer, parseConfig as parseControlConfig } from '@modelplane/control-plane';
import { createDb, type Database, hashToken } from '@modelplane/db';
import { type DemoModelEntry, loadManifest } from '@modelplane/demo-models';
import {
  createTestDatabase,
  deleteRedisKeys,
  randomPrefix,
  testRedisUrl,
  waitFor,
} from '@modelplane/testing';
import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { createBackendManager } from '../src/backends/backend-manager.ts';
import type { BackendManager } from '../src/backends/types.ts';
import type { PredictionCache } from '../src/cache/prediction-cache.ts';
import { RoutingState } from '../src/routing/routing-state.ts';

export const ADMIN_TOKEN = 'dp-test-admin-token-0123456789abcdef0123456789';
const silent = { info() {}, warn() {}, error() {} };

export type ControlClient = TRPCClient<AppRouter>;

/** A data-plane replica built from real parts, listening on a random port. */
export interface Replica {
  url: string;
  app: FastifyInstance;
  routing: RoutingState;
  backends: BackendManager;
  close(): Promise<void>;
}

/** The real control plane and its database, plus a Redis prefix data planes share with it. */
export interface Stack {
  admin: ControlClient;
  /** The control plane's base URL (its tRPC API is under `/trpc`). */
  controlPlaneUrl: string;
  databaseUrl: string;
  /** A direct connection, for the tests' own SQL reads. */
  database: Database;
  prefix: string;
  startReplica(options?: {
    predictAuth?: boolean;
    maxBodyBytes?: number;
    loadWaitMs?: number;
    /** Start the routing state before resolving (default true). */
    start?: boolean;
    /** The prediction cache (default: in-process only). */
    cache?: PredictionCache;
    /** Wraps the real backend manager, e.g. to count inferences at the backend. */
    wrapBackends?: (real: BackendManager) => BackendManager;
  }): Promise<Replica>;
  close(): Promise<void>;
}

/** Starts the control plane in-process on a fresh database and Redis prefix. */
export async function startStack(): Promise<Stack> {
  const testDb = await createTestDatabase();
  const database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
  const prefix = randomPrefix('dp');
  const cpBus = createRedisBus({ url: testRedisUrl(), prefix });
  const config = parseControlConfig({
    DATABASE_URL: testDb.connectionString,
    REDIS_URL: testRedisUrl(),
    MODELPLANE_PREFIX: prefix,
    MODELPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  const cp = await buildServer({
    config,
    db: database.db,
    bus: cpBus,
    logger: silent,
    bootstrapTokenHash: hashToken(ADMIN_TOKEN),
  });
  const cpUrl = await cp.listen({ host: '127.0.0.1', port: 0 });
  const admin = createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${cpUrl}/trpc`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })],
  });
  const replicas: Replica[] = [];

  const startReplica: Stack['startReplica'] = async (options = {}) => {
    const dir = await mkdtemp(join(tmpdir(), 'mp-dp-'));
    const dpDatabase = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
    const bus: Bus = createRedisBus({ url: testRedisUrl(), prefix });
    const real = createBackendManager({
      db: dpDatabase.db,
      cacheDir: join(dir, 'artifacts'),
      logger: silent,
    });
    const backends = options.wrapBackends ? options.wrapBackends(real) : real;
    const routing = new RoutingState({
      db: dpDatabase.db,
      bus,
      backends,
      dataDir: join(dir, 'replica'),
      reconcileIntervalMs: 500,
      heartbeatIntervalMs: 1000,
    });
    const app = await buildApp({
      routing,
      backends,
      predictAuth: options.predictAuth ?? true,
      maxBodyBytes: options.maxBodyBytes,
      loadWaitMs: options.loadWaitMs ?? 5000,
      ...(options.cache && { cache: options.cache }),
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    if (options.start ?? true) await routing.start();
    const replica: Replica = {
      url,
      app,
      routing,
      backends,
      close: async () => {
        await app.close();
        await routing.close();
        await backends.close();
        await bus.close();
        await dpDatabase.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
    replicas.push(replica);
    return replica;
  };

  return {
    admin,
    controlPlaneUrl: cpUrl,
    databaseUrl: testDb.connectionString,
    database,
    prefix,
    startReplica,
    close: async () => {
      for (const replica of replicas) await replica.close();
      await cp.close();
      await cpBus.close();
      await database.close();
      await testDb.drop();
      const redis = createRedis(testRedisUrl(), { offlineQueue: true });
      await deleteRedisKeys(redis, prefix);
      redis.disconnect();
    },
  };
}

/** The demo models as built by @modelplane/demo-models. */
export const MANIFEST = loadManifest();

/** The manifest entry for `model@version`. */
export function demo(model: string, version: string): DemoModelEntry {
  const entry = MANIFEST.models.find((m) => m.model === model && m.version === version);
  if (!entry) throw new Error(`no demo model ${model}@${version}; run the demo-models build`);
  return entry;
}

/** The manifest's instance schema plus the keys that map named features onto the input tensor. */
export function featureSchema(entry: DemoModelEntry): Record<string, unknown> {
  return {
    ...entry.inputSchema,
    'x-input-tensor': entry.inputs[0]?.name,
    'x-feature-order': entry.featureOrder,
  };
}

/** Registers a demo model version as an onnx version with a file:// artifact. */
export async function registerDemo(
  admin: ControlClient,
  entry: DemoModelEntry,
  label = entry.version,
  overrides: { model?: string; sha256?: string; file?: string } = {},
): Promise<void> {
  await admin.versions.register.mutate({
    model: overrides.model ?? entry.model,
    version: label,
    backend: { kind: 'onnx' },
    artifact: {
      uri: pathToFileURL(overrides.file ?? entry.file).href,
      sha256: overrides.sha256 ?? entry.sha256,
    },
    inputSchema: featureSchema(entry),
  });
}

/** Waits until `url` answers `GET` with `status`. */
export async function waitForStatus(url: string, status: number, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => (await fetch(url)).status === status, {
    timeoutMs,
    message: `${url} -> ${status}`,
  });
}
