import { createRedis, createRedisBus } from '@modelplane/bus';
import { type AppRouter, buildServer, type Deps, parseConfig } from '@modelplane/control-plane';
import { createDb, type Database, hashToken } from '@modelplane/db';
import {
  createTestDatabase,
  deleteRedisKeys,
  LOCAL_SERVING_ENV,
  randomPrefix,
  testRedisUrl,
} from '@modelplane/testing';
import { createTRPCClient, httpLink } from '@trpc/client';

const ADMIN_TOKEN = 'dp-test-admin-token-0123456789abcdef01234567';
const silent = { info() {}, warn() {}, error() {} };

/** A typed tRPC client for the test control plane. */
export type ControlPlaneClient = ReturnType<typeof createTRPCClient<AppRouter>>;

/** A real control plane in this process, with its own database and Redis prefix. */
export interface TestControlPlane {
  url: string;
  prefix: string;
  redisUrl: string;
  databaseUrl: string;
  /** The control plane's own database handle (for SQL that tests run directly). */
  database: Database;
  deps: Deps;
  admin: ControlPlaneClient;
  close(): Promise<void>;
}

/**
 * Starts the real control plane (buildServer) on a random port, so every DB row and bus message a
 * test relies on is the genuine article. `env` adds configuration (e.g. REPLICA_STALE_AFTER_MS).
 */
export async function startTestControlPlane(
  options: { redisUrl?: string; env?: Record<string, string> } = {},
): Promise<TestControlPlane> {
  const redisUrl = options.redisUrl ?? testRedisUrl();
  const testDb = await createTestDatabase();
  const database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
  const prefix = randomPrefix('dp');
  const bus = createRedisBus({ url: redisUrl, prefix });
  const config = parseConfig({
    DATABASE_URL: testDb.connectionString,
    REDIS_URL: redisUrl,
    MODELPLANE_PREFIX: prefix,
    MODELPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
    ...LOCAL_SERVING_ENV,
    ...options.env,
  });
  const deps: Deps = {
    config,
    db: database.db,
    bus,
    logger: silent,
    bootstrapTokenHash: hashToken(ADMIN_TOKEN),
  };
  const app = await buildServer(deps);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const admin = createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url}/trpc`, headers: () => ({ authorization: `Bearer ${ADMIN_TOKEN}` }) })],
  });
  return {
    url,
    prefix,
    redisUrl,
    databaseUrl: testDb.connectionString,
    database,
    deps,
    admin,
    close: async () => {
      await app.close();
      await bus.close();
      await database.close();
      await testDb.drop();
      const redis = createRedis(redisUrl, { offlineQueue: true });
      await deleteRedisKeys(redis, prefix).catch(() => 0);
      redis.disconnect();
    },
  };
}

/** Creates a model with the given versions (remote OIP backends, so no artifact is needed). */
export async function seedModel(client: ControlPlaneClient, name: string, versions: string[]): Promise<void> {
  await client.models.create.mutate({ name });
  for (const version of versions) {
    await client.versions.register.mutate({
      model: name,
      version,
      backend: { kind: 'oip', url: 'http://127.0.0.1:9000', remoteName: `${name}-${version}` },
    });
  }
}
