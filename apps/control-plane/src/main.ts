import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { openControlPlane } from './compose.ts';
import { ConfigError, parseConfig } from './config.ts';
import { buildServer } from './server.ts';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, name: 'control-plane' });
  const resources = await openControlPlane(config, logger);
  if (resources.newAdminToken) {
    const { token, path } = resources.newAdminToken;
    console.log(`admin token (shown once; also saved in ${path}):\n  ${token}`);
  }

  const app = await buildServer(resources.deps, { loggerInstance: logger });
  app.addHook('onClose', () => resources.close());

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
  const dataDir = resolve(config.MODELPLANE_DATA_DIR);
  const mode = config.embedded ? `embedded (PGlite in ${join(dataDir, 'pgdata')})` : 'postgres';
  console.log(
    `modelplane control plane listening on ${address} (${mode}, bus: ${config.REDIS_URL ? 'redis' : 'in-process'})`,
  );
  console.log(`dashboard: ${address}/ui/ (sign in with an API token)`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('control plane failed to start:', error);
  }
  process.exit(1);
});
