import { DomainError, type ErrorCode } from '@modelplane/schemas';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { drainRequestBody } from './body-drain.ts';

/** The status each error code maps to, on both the TF-Serving (/v1) and OIP (/v2) surfaces. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
  VERSION_LOAD_FAILED: 503,
  BAD_GATEWAY: 502,
  DEADLINE_EXCEEDED: 504,
  INTERNAL: 500,
};

/** An error response before it is shaped for one protocol. Route handlers return these on the hot path. */
export interface Problem {
  code: ErrorCode;
  message: string;
  details?: unknown;
  /** Sent as `Retry-After` (seconds): the condition is expected to clear by itself. */
  retryAfterSeconds?: number;
}

/** A temporary condition (no traffic, version loading): 503 with `Retry-After`. */
export class UnavailableError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
    code: 'UNAVAILABLE' | 'VERSION_LOAD_FAILED' = 'UNAVAILABLE',
  ) {
    super(code, message);
    this.name = 'UnavailableError';
  }
}

/** Invalid tensors or instances: 400 INVALID_INPUT, the message naming the offending field. */
export class InvalidInputError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('INVALID_INPUT', message, details);
    this.name = 'InvalidInputError';
  }
}

const GENERIC_INTERNAL = 'internal error';

/** OIP clients expect `{ error: string }`; everything else gets the structured /v1 body. */
function isOipUrl(url: string): boolean {
  return url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?');
}

/** Writes `problem` in the shape the request's protocol expects, with its status and Retry-After. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: Problem,
  keep?: (body: string) => void,
): FastifyReply {
  reply.code(STATUS_BY_CODE[problem.code]);
  if (problem.retryAfterSeconds !== undefined) reply.header('retry-after', String(problem.retryAfterSeconds));
  const body = problemBody(request, problem);
  if (!keep) return reply.send(body);
  // The caller keeps the body (a logged payload): serialized here, as Fastify would have.
  const text = JSON.stringify(body);
  keep(text);
  reply.type('application/json; charset=utf-8');
  return reply.send(text);
}

function problemBody(request: FastifyRequest, problem: Problem): object {
  if (isOipUrl(request.url)) return { error: `${problem.code}: ${problem.message}` };
  const error: Record<string, unknown> = {
    code: problem.code,
    message: problem.message,
    requestId: request.id,
  };
  if (problem.details !== undefined) error.details = problem.details;
  return { error };
}

/** Translates anything thrown on a request into a Problem; unknown errors become a generic 500. */
export function toProblem(error: unknown, maxBodyBytes: number): Problem {
  if (error instanceof DomainError) {
    const problem: Problem = { code: error.code, message: error.message };
    if (error.details !== undefined) problem.details = error.details;
    if (error instanceof UnavailableError) problem.retryAfterSeconds = error.retryAfterSeconds;
    return problem;
  }
  const fastifyCode = (error as FastifyError | undefined)?.code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'PAYLOAD_TOO_LARGE', message: `request body exceeds ${maxBodyBytes} bytes` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'content-type must be application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'BAD_REQUEST', message: 'request body is empty' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'BAD_REQUEST', message: 'request body is not valid JSON' };
  }
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (error instanceof SyntaxError && status === 400) {
    return { code: 'BAD_REQUEST', message: 'request body is not valid JSON' };
  }
  // Other client-side failures Fastify detects (content-length mismatch, aborted upload, prototype
  // poisoning): the caller did something wrong, but the framework's wording is not our API.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { code: 'BAD_REQUEST', message: 'malformed request' };
  }
  return { code: 'INTERNAL', message: GENERIC_INTERNAL };
}

/**
 * The one error handler and the not-found handler; 5xx details go to the log, never to the caller.
 * A body over the limit is drained (up to `maxBodyDrainBytes`) before its 413 is sent; Fastify
 * has already marked that response `connection: close`.
 */
export function registerErrorHandlers(
  app: FastifyInstance,
  limits: { maxBodyBytes: number; maxBodyDrainBytes: number },
): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, limits.maxBodyBytes);
    const status = STATUS_BY_CODE[problem.code];
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, reason: problem.message }, 'request rejected');
    if (problem.code !== 'PAYLOAD_TOO_LARGE') return sendProblem(request, reply, problem);
    // Answered once the drain ends; returning nothing tells Fastify the reply comes later.
    void drainRequestBody(request.raw, limits.maxBodyDrainBytes).then(() => {
      if (!reply.raw.destroyed) sendProblem(request, reply, problem);
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, notFound(request.url, request.method)),
  );
}

/** The problem for a path that names no route. */
export function notFound(url: string, method = 'POST'): Problem {
  const path = (url.split('?')[0] as string).slice(0, 200);
  return { code: 'NOT_FOUND', message: `no route for ${method} ${path}` };
}
