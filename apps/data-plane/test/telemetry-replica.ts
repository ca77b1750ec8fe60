import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisBus } from '@modelplane/bus';
import { createDb } from '@modelplane/db';
import { testRedisUrl } from '@modelplane/testing';
import { pino } from 'pino';
import { createDataPlane, type DataPlane, type DataPlaneOptions } from '../src/compose.ts';
import { LOCAL_SERVING } from './backend-fixtures.ts';

/** A replica built by the production composition (createDataPlane), on its own connection string. */
export interface ComposedReplica {
  url: string;
  dataPlane: DataPlane;
  close(): Promise<void>;
}

/**
 * Starts a data plane the way main.ts does, against `databaseUrl` (a TCP proxy's address when the
 * test wants to cut Postgres away from it) and the stack's Redis prefix.
 */
export async function startComposedReplica(
  databaseUrl: string,
  prefix: string,
  replicaId: string,
  telemetry: DataPlaneOptions['telemetry'] = {},
  servingOverrides: DataPlaneOptions['serving'] = {},
  cache: DataPlaneOptions['cache'] = {},
): Promise<ComposedReplica> {
  // The test's own client shares this event loop; the overload guard would shed its bursts.
  const serving: DataPlaneOptions['serving'] = {
    guard: { lagLimitMs: 0, heapLimitRatio: 0 },
    ...servingOverrides,
    ...LOCAL_SERVING,
  };
  const dir = await mkdtemp(join(tmpdir(), 'mp-tel-'));
  const database = await createDb({
    kind: 'postgres',
    connectionString: databaseUrl,
    statementTimeoutMs: 3000,
  });
  const bus = createRedisBus({ url: testRedisUrl(), prefix });
  const dataPlane = await createDataPlane({
    db: database.db,
    bus,
    dataDir: dir,
    replicaId,
    logger: pino({ level: 'silent' }),
    predictAuth: true,
    reconcileIntervalMs: 500,
    heartbeatIntervalMs: 1000,
    telemetry,
    serving,
    cache,
  });
  const url = await dataPlane.app.listen({ host: '127.0.0.1', port: 0 });
  await dataPlane.start();
  let closed = false;
  return {
    url,
    dataPlane,
    close: async () => {
      if (closed) return;
      closed = true;
      await dataPlane.app.close();
      await bus.close();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
