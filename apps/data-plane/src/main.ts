import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createMemoryBus, createRedisBus } from '@modelplane/bus';
import { createDb } from '@modelplane/db';
import { pino } from 'pino';
import { servingSettings } from './backends/serving-config.ts';
import { cacheSettings, requestLimits } from './cache/config.ts';
import { createDataPlane } from './compose.ts';
import { ConfigError, parseConfig } from './config.ts';
import { resolvePredictAuth } from './predict-auth.ts';
import { telemetrySettings } from './telemetry/config.ts';

async function main(): Promise<void> {
  const config = parseConfig(process.env, `${hostname()}-${process.pid}`);
  const logger = pino({ level: config.LOG_LEVEL, name: 'data-plane' });
  const predictAuth = resolvePredictAuth({
    setting: config.PREDICT_AUTH,
    host: config.HOST,
    embedded: false,
  });
  if (predictAuth.warning) {
    logger.warn({ host: config.HOST }, predictAuth.warning);
    console.error(predictAuth.warning);
  }
  const dataDir = resolve(config.MODELPLANE_DATA_DIR);

  const database = await createDb({
    kind: 'postgres',
    connectionString: config.DATABASE_URL,
    applicationName: 'modelplane-data-plane',
  });
  // Without Redis nothing pushes changes: an in-process bus that never fires leaves the reconcile loop in charge.
  const bus = config.REDIS_URL
    ? createRedisBus({ url: config.REDIS_URL, prefix: config.MODELPLANE_PREFIX, logger })
    : createMemoryBus();
  const {
    app,
    start,
    shutdown: drainAndClose,
  } = await createDataPlane({
    db: database.db,
    bus,
    dataDir,
    replicaId: config.REPLICA_ID,
    logger,
    predictAuth: predictAuth.enabled,
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxBodyDrainBytes: config.MAX_BODY_DRAIN_BYTES,
    reconcileIntervalMs: config.RECONCILE_INTERVAL_MS,
    heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
    intraOpThreads: config.ORT_INTRA_OP_THREADS,
    serving: servingSettings(config),
    telemetry: telemetrySettings(config),
    cache: cacheSettings(config),
    limits: requestLimits(config),
  });
  // createDataPlane closes routing, backends and telemetry with the app. The database and bus are
  // closed after that, not in an onClose hook: Fastify runs those in reverse order, which would
  // close the database while the routing state and the log flush still use it.
  const closeConnections = async () => {
    await bus.close();
    await database.close();
  };

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    // Drain first (not ready, still serving), then stop accepting and wait for in-flight requests.
    drainAndClose()
      .then(closeConnections)
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

  // Listen before the first load so /livez answers at once; /readyz stays 503 until routing is loaded.
  const address = await app.listen({ host: config.HOST, port: config.DATA_PLANE_PORT });
  console.log(
    `modelplane data plane listening on ${address} (replica ${config.REPLICA_ID}, predict auth ${config.PREDICT_AUTH}, bus: ${config.REDIS_URL ? 'redis' : 'none, reconcile only'})`,
  );
  await start();
  logger.info('routing state started');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('data plane failed to start:', error);
  process.exit(1);
});
