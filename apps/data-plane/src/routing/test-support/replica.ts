import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, createRedisBus } from '@modelplane/bus';
import { createDb, type Database } from '@modelplane/db';
import { type BucketMap, decodeBucketMap } from '@modelplane/router';
import { sql } from 'kysely';
import { RoutingState, type RoutingStateOptions } from '../routing-state.ts';
import type { TestControlPlane } from './control-plane.ts';
import { FakeBackends } from './fake-backends.ts';

/** A RoutingState wired like a replica, with everything it opened closed by `close()`. */
export interface TestReplica {
  state: RoutingState;
  backends: FakeBackends;
  bus: Bus;
  database: Database;
  dataDir: string;
  close(): Promise<void>;
}

/** RoutingState options plus where the replica connects; everything has a test-friendly default. */
export interface ReplicaOptions extends Partial<Omit<RoutingStateOptions, 'db' | 'bus' | 'backends'>> {
  /** Defaults to the control plane's database (pass a proxy's URL to cut it). */
  databaseUrl?: string;
  /** Defaults to the control plane's Redis. */
  redisUrl?: string;
  /** Defaults to the control plane's prefix; another prefix means the replica never hears a message. */
  prefix?: string;
  backends?: FakeBackends;
  /** Start the state before returning (default true). */
  start?: boolean;
}

/** Builds (and by default starts) a replica's routing state against a test control plane. */
export async function startReplica(cp: TestControlPlane, options: ReplicaOptions = {}): Promise<TestReplica> {
  const { databaseUrl, redisUrl, prefix, backends = new FakeBackends(), start = true, ...rest } = options;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'mp-routing-')));
  const database = await createDb({
    kind: 'postgres',
    connectionString: databaseUrl ?? cp.databaseUrl,
    statementTimeoutMs: 2000,
  });
  const bus = createRedisBus({ url: redisUrl ?? cp.redisUrl, prefix: prefix ?? cp.prefix });
  const state = new RoutingState({
    db: database.db,
    bus,
    backends,
    heartbeatIntervalMs: 200,
    initialLoadTimeoutMs: 3000,
    ...rest,
    dataDir,
  });
  if (start) await state.start();
  return {
    state,
    backends,
    bus,
    database,
    dataDir,
    close: async () => {
      await state.close();
      await bus.close();
      await database.close();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The active revision of `model` exactly as stored: the reference the replica's table must match. */
export async function storedRevision(
  cp: TestControlPlane,
  model: string,
): Promise<{ revision: number; generation: number; salt: string; map: BucketMap }> {
  const { rows } = await sql<{
    revision: number;
    generation: number;
    salt: string;
    weights: Array<{ versionId: string }>;
    bucket_map: Uint8Array;
  }>`SELECT r.revision, m.config_generation AS generation, r.salt, r.weights, r.bucket_map
     FROM models m JOIN routing_revisions r ON r.model_id = m.id AND r.revision = m.active_revision
     WHERE m.name = ${model}`.execute(cp.database.db);
  const row = rows[0];
  if (!row) throw new Error(`model ${model} has no active revision`);
  const map = decodeBucketMap(
    row.weights.map((w) => w.versionId),
    row.bucket_map,
  );
  return { revision: row.revision, generation: Number(row.generation), salt: row.salt, map };
}
