import { TRPCError } from '@trpc/server';
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { FastifyRequest } from 'fastify';
import { authenticate, bearerToken, type Principal, type RequestOrigin } from './auth.ts';
import type { Deps } from './deps.ts';
import type { Context } from './trpc.ts';

/** The request id Fastify minted (see buildServer's genReqId) and the caller's address. */
export function requestOrigin(request: FastifyRequest): RequestOrigin {
  return { requestId: request.id, sourceAddress: request.ip ?? '' };
}

/**
 * Authenticates the caller and attaches the request's origin. This runs before any procedure, so
 * outside the error mapping in trpc.ts: a database failure here is logged and answered with a
 * generic 503, never the driver's message (it names hosts and ports) or a stack.
 */
export async function authenticateRequest(deps: Deps, request: FastifyRequest): Promise<Principal | null> {
  let principal: Principal | null;
  try {
    principal = await authenticate(deps, bearerToken(request.headers.authorization));
  } catch (err) {
    deps.logger.error({ err, requestId: request.id }, 'authentication failed: token lookup error');
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'service unavailable; try again shortly' });
  }
  return principal && { ...principal, origin: requestOrigin(request) };
}

/** tRPC's createContext for the Fastify adapter. */
export function contextFactory(deps: Deps) {
  return async ({ req }: CreateFastifyContextOptions): Promise<Context> => ({
    deps,
    principal: await authenticateRequest(deps, req),
  });
}
