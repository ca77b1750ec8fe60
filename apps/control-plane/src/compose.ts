import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Bus, createMemoryBus, createRedisBus } from '@modelplane/bus';
import { createDb, type Database, hashToken, migrate } from '@modelplane/db';
import { ensureEmbeddedAdminToken } from './bootstrap-token.ts';
import type { ControlPlaneConfig } from './config.ts';
import type { Deps, Logger } from './deps.ts';
import { startMonitoringJobs } from './services/monitoring/jobs.ts';

export interface ControlPlaneResources {
  deps: Deps;
  database: Database;
  bus: Bus;
  /** Set when the embedded mode created its admin token on this start: print it once. */
  newAdminToken: { token: string; path: string } | null;
  close(): Promise<void>;
}

/**
 * Opens what the control plane runs on: Postgres (or PGlite under the data directory when
 * DATABASE_URL is unset), migrated; Redis pub/sub (or the in-process bus when REDIS_URL is unset);
 * and the bootstrap admin token. Shared by main.ts and the all-in-one server.
 */
export async function openControlPlane(
  config: ControlPlaneConfig,
  logger: Logger & { warn(obj: object, msg: string): void },
): Promise<ControlPlaneResources> {
  const dataDir = resolve(config.MODELPLANE_DATA_DIR);
  // PGlite does not create missing parent directories.
  if (config.embedded) await mkdir(dataDir, { recursive: true });
  const database = config.DATABASE_URL
    ? await createDb({
        kind: 'postgres',
        connectionString: config.DATABASE_URL,
        statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
        applicationName: 'modelplane-control-plane',
      })
    : await createDb({ kind: 'pglite', dataDir: join(dataDir, 'pgdata') });
  try {
    await migrate(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const bus = config.REDIS_URL
    ? createRedisBus({ url: config.REDIS_URL, prefix: config.MODELPLANE_PREFIX, logger })
    : createMemoryBus();

  let bootstrapTokenHash = config.MODELPLANE_ADMIN_TOKEN ? hashToken(config.MODELPLANE_ADMIN_TOKEN) : null;
  let newAdminToken: ControlPlaneResources['newAdminToken'] = null;
  if (config.embedded && !bootstrapTokenHash) {
    const admin = await ensureEmbeddedAdminToken(dataDir);
    bootstrapTokenHash = admin.hash;
    if (admin.created) newAdminToken = { token: admin.token, path: join(dataDir, 'admin-token') };
  }
  const deps: Deps = { config, db: database.db, bus, logger, bootstrapTokenHash };
  // Alert evaluation and partition upkeep: safe on every control plane (they coordinate in Postgres).
  const jobs = config.MONITORING_JOBS === 'on' ? startMonitoringJobs(deps) : null;
  return {
    deps,
    database,
    bus,
    newAdminToken,
    close: async () => {
      await jobs?.stop();
      await bus.close();
      await database.close();
    },
  };
}
