import { resolve } from 'node:path';
import { buildServer, openControlPlane } from '@modelplane/control-plane';
import {
  cacheSettings,
  createDataPlane,
  requestLimits,
  servingSettings,
  telemetrySettings,
} from '@modelplane/data-plane';
import { pino } from 'pino';
import { ConfigError, parseServerConfig, type ServerConfig } from './config.ts';
import { seedDemoModels } from './seed-demo.ts';

/**
 * The all-in-one server: control plane and one data plane in one process. With no DATABASE_URL it
 * runs on embedded PGlite (one connection, so one process) and the in-process bus: a newcomer needs
 * nothing but Node. With DATABASE_URL and REDIS_URL it is one more replica of a real deployment.
 */
async function main(): Promise<void> {
  const config = parseServerConfig(process.env);
  const logger = pino({ level: config.LOG_LEVEL, name: 'modelplane' });
  const controlPlane = await openControlPlane(config, logger);
  if (config.SEED_DEMO === 'on') {
    const { created } = await seedDemoModels(controlPlane.deps);
    if (created.length > 0) console.log(`registered demo models: ${created.join(', ')}`);
  }

  const cpApp = await buildServer(controlPlane.deps, { loggerInstance: logger });
  const dataPlane = await createDataPlane({
    db: controlPlane.database.db,
    bus: controlPlane.bus,
    dataDir: resolve(config.MODELPLANE_DATA_DIR),
    replicaId: config.REPLICA_ID,
    logger,
    predictAuth: config.predictAuth,
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxBodyDrainBytes: config.MAX_BODY_DRAIN_BYTES,
    reconcileIntervalMs: config.RECONCILE_INTERVAL_MS,
    heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
    intraOpThreads: config.ORT_INTRA_OP_THREADS,
    serving: servingSettings(config),
    cache: cacheSettings(config),
    limits: requestLimits(config),
    telemetry: telemetrySettings(config),
  });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    // The data plane first: it drains and stops serving before the database it reads goes away.
    dataPlane
      .shutdown()
      .then(() => cpApp.close())
      .then(() => controlPlane.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  const cpAddress = await cpApp.listen({ host: config.HOST, port: config.CONTROL_PLANE_PORT });
  const dpAddress = await dataPlane.app.listen({ host: config.HOST, port: config.DATA_PLANE_PORT });
  await dataPlane.start();

  const mode = config.embedded ? 'embedded PGlite' : 'PostgreSQL';
  console.log(
    `modelplane control plane on ${cpAddress}, data plane on ${dpAddress} (${mode}, bus: ${config.REDIS_URL ? 'redis' : 'in-process'})`,
  );
  console.log(`dashboard: ${cpAddress}/ui/ (sign in with an API token)`);
  console.log(predictAuthBanner(config, cpAddress));
  if (config.predictAuthWarning) {
    // Loud on purpose: the log for collectors, stderr for whoever watches the terminal.
    logger.warn({ host: config.HOST }, config.predictAuthWarning);
    console.error(`\n${config.predictAuthWarning}\n`);
  }
  if (controlPlane.newAdminToken) {
    console.log(
      `admin token (shown once; also saved in ${controlPlane.newAdminToken.path}):\n  ${controlPlane.newAdminToken.token}`,
    );
  }
  const auth = config.predictAuth ? ' -H "authorization: Bearer $PREDICT_TOKEN"' : '';
  console.log('try a prediction:');
  console.log(
    `  curl -s ${dpAddress}/v1/models/recs:predict -H 'content-type: application/json'${auth} -H 'x-routing-key: user-42' -d '{"instances": [{"days_since_signup": 120, "sessions_30d": 8, "orders_90d": 2, "avg_order_value": 54.5, "cart_items": 1, "affinity_electronics": 0.7, "affinity_fashion": 0.1, "affinity_home": 0.2}]}'`,
  );
}

/** How predictions are authenticated, and how to get a predict token when they are. */
function predictAuthBanner(config: ServerConfig, controlPlaneUrl: string): string {
  if (!config.predictAuth) {
    return 'predict auth is OFF: predictions and feedback need no token (PREDICT_AUTH=on requires one)';
  }
  // The CLI reads the admin token from the data directory, so on this machine no token flag is needed.
  const dataDir = config.embedded ? ` --data-dir ${resolve(config.MODELPLANE_DATA_DIR)}` : '';
  return [
    'predict auth is ON: send a predict token as "authorization: Bearer <token>"; create one with',
    `  modelplane tokens create NAME --role predict --url ${controlPlaneUrl}${dataDir}`,
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `modelplane failed to start: ${String(error)}`,
  );
  if (!(error instanceof ConfigError)) console.error(error);
  process.exit(1);
});
