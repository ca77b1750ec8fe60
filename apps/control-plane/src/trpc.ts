import { type DomainError, isDomainError } from '@modelplane/schemas';
import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { ZodError, z } from 'zod';
import type { Principal } from './auth.ts';
import type { Deps } from './deps.ts';

export interface Context {
  deps: Deps;
  principal: Principal | null;
}

const t = initTRPC.context<Context>().create({
  // Never ship stack traces to clients, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : null;
    // An unexpected error that escaped the mapping below (e.g. raised while building the context)
    // carries the raw message of its cause, which may name hosts and ports: never send that.
    const raw = error.code === 'INTERNAL_SERVER_ERROR' && error.cause !== undefined && !zod;
    return {
      ...shape,
      message: zod ? describeZodError(zod) : raw ? 'internal error' : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        ...(zod && { issues: zod.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) }),
      },
    };
  },
});

function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

const STATUS_BY_DOMAIN_CODE: Partial<Record<DomainError['code'], TRPC_ERROR_CODE_KEY>> = {
  BAD_REQUEST: 'BAD_REQUEST',
  INVALID_INPUT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
};

/** Maps domain errors to tRPC codes once; anything else becomes a generic INTERNAL_SERVER_ERROR. */
const errorMapping = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause ?? result.error;
  if (result.error.code !== 'INTERNAL_SERVER_ERROR') return result;
  if (isDomainError(cause)) {
    const code = STATUS_BY_DOMAIN_CODE[cause.code];
    if (code) throw new TRPCError({ code, message: cause.message });
  }
  ctx.deps.logger.error({ err: cause, path }, 'procedure failed');
  throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error' });
});

const RANK: Record<Principal['role'], number> = { predict: 0, viewer: 1, operator: 2, admin: 3 };

function requireRole(minimum: 'viewer' | 'operator' | 'admin') {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.principal) {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'a valid bearer token is required' });
    }
    if (RANK[ctx.principal.role] < RANK[minimum]) {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `the ${ctx.principal.role} role cannot call this procedure (needs ${minimum})`,
      });
    }
    return next({ ctx: { ...ctx, principal: ctx.principal } });
  });
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
const baseProcedure = t.procedure.use(errorMapping);
/** Reads. */
export const viewerProcedure = baseProcedure.use(requireRole('viewer'));
/** Registry and traffic mutations. */
export const operatorProcedure = baseProcedure.use(requireRole('operator'));
/** Token management. */
export const adminProcedure = baseProcedure.use(requireRole('admin'));

export { z };
