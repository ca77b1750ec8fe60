import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createMemoryBus, createRedisBus } from '@modelplane/bus';
import { createDb, hashToken, migrate } from '@modelplane/db';
import { pino } from 'pino';
import { ensureEmbeddedAdminToken } from './bootstrap-token.ts';
import { ConfigError, parseConfig } from './config.ts';
import { buildServer } from './server.ts';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, name: 'control-plane' });
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
  await migrate(database);

  const bus = config.REDIS_URL
    ? createRedisBus({ url: config.REDIS_URL, prefix: config.MODELPLANE_PREFIX, logger })
    : createMemoryBus();

  let bootstrapTokenHash = config.MODELPLANE_ADMIN_TOKEN ? hashToken(config.MODELPLANE_ADMIN_TOKEN) : null;
  if (config.embedded && !bootstrapTokenHash) {
    const admin = await ensureEmbeddedAdminToken(dataDir);
    bootstrapTokenHash = admin.hash;
    if (admin.created) {
      console.log(
        `admin token (shown once; also saved in ${join(dataDir, 'admin-token')}):\n  ${admin.token}`,
      );
    }
  }

  const app = await buildServer(
    { config, db: database.db, bus, logger, bootstrapTokenHash },
    { loggerInstance: logger },
  );
  app.addHook('onClose', async () => {
    await bus.close();
    await database.close();
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  const address = await app.listen({ host: config.HOST, port: config.CONTROL_PLANE_PORT });
  const mode = config.embedded ? `embedded (PGlite in ${join(dataDir, 'pgdata')})` : 'postgres';
  console.log(
    `modelplane control plane listening on ${address} (${mode}, bus: ${config.REDIS_URL ? 'redis' : 'in-process'})`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('control plane failed to start:', error);
  }
  process.exit(1);
});
