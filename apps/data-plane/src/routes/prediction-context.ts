import type { FastifyRequest } from 'fastify';
import type { PredictionRecord, ServedFrom } from '../pipeline/types.ts';
import { singleHeader } from './context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** What happened to this request's prediction, for telemetry after the response (null elsewhere). */
    prediction: PredictionRecord | null;
  }
}

const MAX_CLIENT_DEADLINE_MS = 3_600_000;

/** The per-request settings both protocols read from headers the same way. */
export function requestContext(request: FastifyRequest) {
  const cacheControl = singleHeader(request, 'cache-control') ?? '';
  const timeout = Number(singleHeader(request, 'x-request-timeout-ms'));
  return {
    bypassCache: /(^|,)\s*no-(cache|store)\s*(,|$)/i.test(cacheControl),
    clientDeadlineMs:
      Number.isInteger(timeout) && timeout > 0 ? Math.min(timeout, MAX_CLIENT_DEADLINE_MS) : undefined,
    requestId: request.id,
    log: request.log,
  };
}

/** `x-cache`: `hit-memory`, `hit-redis` or `miss` (fallback responses are never cached). */
export function cacheHeader(servedFrom: ServedFrom): string {
  if (servedFrom === 'cache-memory') return 'hit-memory';
  if (servedFrom === 'cache-redis') return 'hit-redis';
  return 'miss';
}

export function isCached(servedFrom: ServedFrom): boolean {
  return servedFrom === 'cache-memory' || servedFrom === 'cache-redis';
}
