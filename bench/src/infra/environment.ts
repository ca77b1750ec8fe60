import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ControlPlaneClient, createControlPlaneClient } from '@modelplane/client';
import type { CoreLayout } from '../harness/cores.ts';
import { stopProcess } from '../harness/processes.ts';
import {
  type AppProcess,
  assertBuilt,
  type DataPlaneOptions,
  type PlaneSettings,
  startControlPlane,
  startDataPlane,
} from './apps.ts';
import { type BenchDatabase, createBenchDatabase } from './postgres.ts';
import { type BenchRedis, startBenchRedis } from './redis.ts';

/** Everything the scenarios share: Postgres, Redis, one control plane and the tokens to use them. */
export interface BenchEnvironment {
  layout: CoreLayout;
  database: BenchDatabase;
  redis: BenchRedis;
  settings: PlaneSettings;
  controlPlane: AppProcess;
  admin: ControlPlaneClient;
  adminToken: string;
  /** A predict token; data planes run with predict auth on, as in production. */
  predictToken: string;
  /** Starts a data-plane replica with a fresh data directory; the environment stops it on close. */
  startDataPlane(options: Omit<DataPlaneOptions, 'dataDir' | 'replicaId'>): Promise<AppProcess>;
  /** A fresh directory under the run's temporary root. */
  tempDir(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Creates the bench database, a private Redis and a control plane. Whatever was started is
 * stopped again if a later step fails, and by `close()` otherwise.
 */
export async function openEnvironment(layout: CoreLayout): Promise<BenchEnvironment> {
  assertBuilt();
  const root = await mkdtemp(join(tmpdir(), 'mp-bench-'));
  const cleanups: Array<() => Promise<void>> = [() => rm(root, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => console.error('bench cleanup failed:', error));
    }
    cleanups.length = 0;
  };
  try {
    const database = await createBenchDatabase();
    cleanups.push(() => database.drop());
    const redis = await startBenchRedis(layout.serverCore);
    cleanups.push(() => redis.stop());
    const settings = { databaseUrl: database.url, redisUrl: redis.url, prefix: 'mpbench:' };
    const adminToken = randomBytes(24).toString('hex');
    const cpDir = join(root, 'control-plane');
    await mkdir(cpDir);
    const controlPlane = await startControlPlane(settings, adminToken, cpDir);
    cleanups.push(() => stopProcess(controlPlane.process));
    const admin = createControlPlaneClient({ url: controlPlane.url, token: adminToken });
    const { token: predictToken } = await admin.tokens.create.mutate({ name: 'bench', role: 'predict' });
    let replicas = 0;
    const tempDir = async (name: string) => {
      const dir = join(root, name);
      await mkdir(dir, { recursive: true });
      return dir;
    };
    return {
      layout,
      database,
      redis,
      settings,
      controlPlane,
      admin,
      adminToken,
      predictToken,
      startDataPlane: async (options) => {
        const replicaId = `bench-${++replicas}`;
        const dataPlane = await startDataPlane(settings, {
          ...options,
          replicaId,
          dataDir: await tempDir(replicaId),
        });
        cleanups.push(() => stopProcess(dataPlane.process));
        return dataPlane;
      },
      tempDir,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
