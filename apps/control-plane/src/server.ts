import { randomUUID } from 'node:crypto';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { contextFactory } from './context.ts';
import { dashboardRoutes } from './dashboard/index.ts';
import type { Deps } from './deps.ts';
import { type AppRouter, appRouter } from './router.ts';
import { artifactRoutes } from './routes/artifacts.ts';

export interface ServerOptions {
  loggerInstance?: FastifyBaseLogger;
  /** Largest request body, in bytes (artifact uploads are larger and have their own limit). */
  bodyLimit?: number;
}

/** Builds the control-plane HTTP server without listening, so tests can inject or listen on port 0. */
export async function buildServer(deps: Deps, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024,
    routerOptions: { maxParamLength: 500 },
    // Every request gets an id of ours (a caller's x-request-id is not trusted): it goes into the
    // audit row and back to the caller, so the two can be matched.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    // request.ip honours X-Forwarded-For only from these peers; otherwise it is the socket's address.
    trustProxy: deps.config.TRUSTED_PROXIES.length > 0 ? [...deps.config.TRUSTED_PROXIES] : false,
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.get('/healthz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(deps.db);
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false, error: 'database unreachable' });
    }
  });

  await app.register(artifactRoutes, { deps });
  await app.register(dashboardRoutes, { deps });
  await app.register(fastifyTRPCPlugin<AppRouter>, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: contextFactory(deps),
    },
  });
  return app;
}
