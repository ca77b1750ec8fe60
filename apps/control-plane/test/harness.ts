import { createRedis, createRedisBus } from '@modelplane/bus';
import { createDb, hashToken } from '@modelplane/db';
import {
  createTestDatabase,
  deleteRedisKeys,
  LOCAL_SERVING_ENV,
  randomPrefix,
  testRedisUrl,
} from '@modelplane/testing';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { FastifyInstance } from 'fastify';
import { parseConfig } from '../src/config.ts';
import type { Deps } from '../src/deps.ts';
import type { AppRouter } from '../src/router.ts';
import { buildServer } from '../src/server.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

export type Client = ReturnType<typeof createTRPCClient<AppRouter>>;

export interface Harness {
  url: string;
  deps: Deps;
  app: FastifyInstance;
  prefix: string;
  databaseUrl: string;
  /** A client that sends the given bearer token (or none). */
  client(token?: string | null): Client;
  admin: Client;
  close(): Promise<void>;
}

const silentLogger = { info() {}, warn() {}, error() {} };

/** A real control plane on a random port, with its own database and Redis prefix; `env` adds settings. */
export async function startControlPlane(env: Record<string, string> = {}): Promise<Harness> {
  const testDb = await createTestDatabase();
  const database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
  const prefix = randomPrefix('cp');
  const bus = createRedisBus({ url: testRedisUrl(), prefix });
  const config = parseConfig({
    DATABASE_URL: testDb.connectionString,
    REDIS_URL: testRedisUrl(),
    MODELPLANE_PREFIX: prefix,
    MODELPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
    ...env,
    ...LOCAL_SERVING_ENV,
  });
  const deps: Deps = {
    config,
    db: database.db,
    bus,
    logger: silentLogger,
    bootstrapTokenHash: hashToken(ADMIN_TOKEN),
  };
  const app = await buildServer(deps);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = (token: string | null = ADMIN_TOKEN): Client =>
    createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: `${address}/trpc`,
          headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
        }),
      ],
    });
  return {
    url: address,
    deps,
    app,
    prefix,
    databaseUrl: testDb.connectionString,
    client,
    admin: client(),
    close: async () => {
      await app.close();
      await bus.close();
      await database.close();
      await testDb.drop();
      const redis = createRedis(testRedisUrl(), { offlineQueue: true });
      await deleteRedisKeys(redis, prefix);
      redis.disconnect();
    },
  };
}

/** Creates a model with versions 1.0.0..n (remote OIP backends, so no artifact is needed). */
export async function seedModel(client: Client, name: string, versions: string[]): Promise<void> {
  await client.models.create.mutate({ name });
  await seedVersions(client, name, versions);
}

/** Registers versions of an existing model (remote OIP backends, so no artifact is needed). */
export async function seedVersions(client: Client, name: string, versions: string[]): Promise<void> {
  for (const version of versions) {
    await client.versions.register.mutate({
      model: name,
      version,
      backend: { kind: 'oip', url: 'http://127.0.0.1:9000', remoteName: `${name}-${version}` },
    });
  }
}
