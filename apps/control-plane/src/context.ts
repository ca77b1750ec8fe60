import { TRPCError } from '@trpc/server';
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { FastifyRequest } from 'fastify';
import { authenticate, bearerToken, type Principal, type RequestOrigin } from './auth.ts';
import { hasCsrfToken, resolveSession } from './dashboard/sessions.ts';
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
    principal = request.headers.authorization
      ? await authenticate(deps, bearerToken(request.headers.authorization))
      : await dashboardPrincipal(deps, request);
  } catch (err) {
    if (err instanceof TRPCError) throw err;
    deps.logger.error({ err, requestId: request.id }, 'authentication failed: token lookup error');
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'service unavailable; try again shortly' });
  }
  return principal && { ...principal, origin: requestOrigin(request) };
}

/**
 * The dashboard's session cookie stands in for a bearer token. Mutations (POST) must also carry the
 * session's CSRF token: without it a forged cross-site request is refused before any procedure runs.
 */
async function dashboardPrincipal(deps: Deps, request: FastifyRequest): Promise<Principal | null> {
  const found = await resolveSession(deps, request);
  if (!found) return null;
  if (request.method !== 'GET' && !hasCsrfToken(request, found.session)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'missing or wrong x-csrf-token for this session' });
  }
  return found.principal;
}

/** tRPC's createContext for the Fastify adapter. */
export function contextFactory(deps: Deps) {
  return async ({ req }: CreateFastifyContextOptions): Promise<Context> => ({
    deps,
    principal: await authenticateRequest(deps, req),
  });
}
