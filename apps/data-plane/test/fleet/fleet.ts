import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis } from '@modelplane/bus';
import { type ControlPlaneClient, createControlPlaneClient } from '@modelplane/client';
import { createDb, type Database } from '@modelplane/db';
import type { DemoModelEntry } from '@modelplane/demo-models';
import {
  createTestDatabase,
  deleteRedisKeys,
  LOCAL_SERVING_ENV,
  randomPrefix,
  stopAllProcesses,
  testRedisUrl,
  waitFor,
} from '@modelplane/testing';
import { expect } from 'vitest';
import { featureSchema } from '../stack.ts';
import {
  assertBuilt,
  type CliResult,
  CONTROL_PLANE_MAIN,
  DATA_PLANE_MAIN,
  runCli,
  type ServerProcess,
  startServer,
} from './processes.ts';

export const ADMIN_TOKEN = 'fleet-test-admin-token-0123456789abcdef0123';

/** One data-plane process. `dataDir` outlives it, so a restart finds its disk snapshot. */
export interface ReplicaProcess extends ServerProcess {
  id: string;
  dataDir: string;
}

/** Options for {@link Fleet.startReplica}; URLs default to the fleet's own Postgres and Redis. */
export interface ReplicaOptions {
  id: string;
  /** Reuse a data directory (a restart); a fresh temp dir otherwise. */
  dataDir?: string;
  databaseUrl?: string;
  redisUrl?: string;
  port?: number;
  env?: Record<string, string>;
}

/** Options for {@link Fleet.register}. */
export interface RegisterOptions {
  /** The version label; the manifest's by default. */
  version?: string;
  /** CLI flags naming the artifact, e.g. `['--artifact-uri', uri, '--sha256', hex]`. */
  source?: string[];
  /** The model's name; the manifest's by default (one demo file can back several test models). */
  model?: string;
}

/** A control-plane process on its own database and Redis prefix, and data-plane processes beside it. */
export interface Fleet {
  controlPlane: ServerProcess;
  admin: ControlPlaneClient;
  databaseUrl: string;
  /** The tests' own connection, for reading what the control plane stored. */
  database: Database;
  prefix: string;
  /** A temp directory removed on close, for files the CLI reads. */
  workDir: string;
  startReplica(options: ReplicaOptions): Promise<ReplicaProcess>;
  /** Another control-plane process on the same database and Redis prefix (stopped on close). */
  startControlPlane(env?: Record<string, string>): Promise<ServerProcess>;
  /** Runs the CLI against the control plane with the admin token. */
  cli(args: string[]): Promise<CliResult>;
  /** Runs the CLI with `--json`, expects exit 0 and returns the parsed result. */
  json<T = unknown>(args: string[]): Promise<T>;
  /**
   * Registers a demo model version through the CLI with its feature schema, creating the model on
   * first use. The source defaults to `--file` (an upload into the registry).
   */
  register(entry: DemoModelEntry, options?: RegisterOptions): Promise<void>;
  /** A new predict token, created through the CLI: `{ id, token }`. */
  createPredictToken(name: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

/** Options for {@link startFleet}: extra control-plane environment. */
export interface FleetOptions {
  controlPlaneEnv?: Record<string, string>;
}

/** Starts the built control plane on a fresh clone of the migrated template database. */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  assertBuilt();
  const testDb = await createTestDatabase();
  const prefix = randomPrefix('fleet');
  const workDir = await mkdtemp(join(tmpdir(), 'mp-fleet-'));
  const dataDirs: string[] = [];
  const database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
  const startControlPlane = (env: Record<string, string> = {}) =>
    startServer(CONTROL_PLANE_MAIN, 'CONTROL_PLANE_PORT', /control plane listening on/, {
      DATABASE_URL: testDb.connectionString,
      REDIS_URL: testRedisUrl(),
      MODELPLANE_PREFIX: prefix,
      MODELPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      ...LOCAL_SERVING_ENV,
      ...options.controlPlaneEnv,
      ...env,
    });
  const controlPlane = await startControlPlane().catch(async (error: unknown) => {
    await database.close();
    await testDb.drop();
    await rm(workDir, { recursive: true, force: true });
    throw error;
  });
  const admin = createControlPlaneClient({ url: controlPlane.url, token: ADMIN_TOKEN });

  const cli: Fleet['cli'] = (args) => runCli(['--url', controlPlane.url, '--token', ADMIN_TOKEN, ...args]);
  const json = async <T>(args: string[]): Promise<T> => {
    const result = await cli([...args, '--json']);
    expect(result, `modelplane ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(result.stdout) as T;
  };

  const startReplica: Fleet['startReplica'] = async (replica) => {
    const dataDir = replica.dataDir ?? (await mkdtemp(join(tmpdir(), `mp-fleet-${replica.id}-`)));
    if (!dataDirs.includes(dataDir)) dataDirs.push(dataDir);
    const server = await startServer(
      DATA_PLANE_MAIN,
      'DATA_PLANE_PORT',
      /data plane listening on/,
      {
        DATABASE_URL: replica.databaseUrl ?? testDb.connectionString,
        REDIS_URL: replica.redisUrl ?? testRedisUrl(),
        MODELPLANE_PREFIX: prefix,
        MODELPLANE_DATA_DIR: dataDir,
        REPLICA_ID: replica.id,
        PREDICT_AUTH: 'on',
        HEARTBEAT_INTERVAL_MS: '500',
        // Nothing balances load in front of these replicas, so the drain delay before a SIGTERM
        // takes effect would only slow the tests; a flush against a cut Postgres gives up sooner.
        SHUTDOWN_DRAIN_MS: '0',
        SHUTDOWN_TIMEOUT_MS: '2000',
        ...LOCAL_SERVING_ENV,
        ...replica.env,
      },
      replica.port,
    );
    return { ...server, id: replica.id, dataDir };
  };

  const registered = new Set<string>();
  const register: Fleet['register'] = async (entry, options = {}) => {
    const model = options.model ?? entry.model;
    if (!registered.has(model)) {
      await json(['models', 'create', model]);
      registered.add(model);
    }
    const schemaPath = join(workDir, `${entry.model}-input-schema.json`);
    await writeFile(schemaPath, JSON.stringify(featureSchema(entry)));
    await json([
      'versions',
      'register',
      `${model}@${options.version ?? entry.version}`,
      ...(options.source ?? ['--file', entry.file]),
      '--input-schema',
      schemaPath,
    ]);
  };

  return {
    controlPlane,
    admin,
    databaseUrl: testDb.connectionString,
    database,
    prefix,
    workDir,
    startReplica,
    startControlPlane,
    cli,
    json,
    register,
    createPredictToken: (name) =>
      json<{ id: string; token: string }>(['tokens', 'create', name, '--role', 'predict']),
    async close() {
      await stopAllProcesses(15_000);
      await database.close();
      await testDb.drop();
      const redis = createRedis(testRedisUrl(), { offlineQueue: true });
      try {
        await deleteRedisKeys(redis, prefix);
      } finally {
        redis.disconnect();
      }
      for (const dir of [workDir, ...dataDirs]) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `GET url` answers `status`, naming the URL on timeout. */
export async function waitForStatus(url: string, status: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => (await fetch(url)).status === status, {
    timeoutMs,
    message: `${url} -> ${status}`,
  });
}
