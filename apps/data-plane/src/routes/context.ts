import type { FastifyRequest } from 'fastify';
import type { RoutingSnapshot } from '../routing/types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The one routing snapshot this request reads from start to end (null before the first load). */
    snapshot: RoutingSnapshot | null;
    /** The caller's own `x-request-id` when it sent a sane one; never the join key for feedback. */
    clientRequestId: string | null;
  }
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's `x-request-id` when it is short and plain (it ends up in logs and headers), else null. */
export function callerRequestId(header: string | string[] | undefined): string | null {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : null;
}

/** A single-valued header, or undefined when absent, empty or repeated. */
export function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
