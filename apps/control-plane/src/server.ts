import { type CreateFastifyContextOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { authenticate, bearerToken } from './auth.ts';
import type { Deps } from './deps.ts';
import { type AppRouter, appRouter } from './router.ts';
import { artifactRoutes } from './routes/artifacts.ts';
import type { Context } from './trpc.ts';

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
  await app.register(fastifyTRPCPlugin<AppRouter>, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: async ({ req }: CreateFastifyContextOptions): Promise<Context> => ({
        deps,
        principal: await authenticate(deps, bearerToken(req.headers.authorization)),
      }),
    },
  });
  return app;
}
