import { isUtf8 } from 'node:buffer';
import { BadRequestError, DomainError } from '@modelplane/schemas';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../errors.ts';
import { invalidInput } from './issues.ts';
import { checkJsonLimits, type RequestLimits } from './limits.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The bytes of a JSON body: once it parsed within the limits, or, on a route that parses on
     * demand ({@link registerDeferredJsonBodyParser}), as received. Null for other bodies.
     */
    rawBody: Buffer | null;
  }
}

/** JSON is UTF-8 (RFC 8259); a body that declares another charset is refused rather than misread. */
function assertUtf8(contentType: string | undefined): void {
  // The usual header, which names no charset, skips the pattern (it runs on every prediction).
  if (contentType === 'application/json') return;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'content-type must be application/json in UTF-8');
  }
}

/**
 * Parses one request body: UTF-8 only, valid JSON, within the structural limits. Throws a domain
 * error (400 BAD_REQUEST, 400 INVALID_INPUT listing every violation, or 415) otherwise.
 */
export function parseJsonBody(raw: Buffer, contentType: string | undefined, limits: RequestLimits): unknown {
  assertUtf8(contentType);
  if (raw.length === 0) throw new BadRequestError('request body is empty');
  // Checked first: decoding alone would silently replace invalid bytes with U+FFFD.
  if (!isUtf8(raw)) throw new BadRequestError('request body is not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequestError('request body is not valid JSON');
  }
  const issues = checkJsonLimits(value, limits);
  if (issues.length > 0) {
    const problem = invalidInput(issues);
    throw new InvalidInputError(problem.message, problem.details);
  }
  return value;
}

/**
 * Replaces Fastify's JSON parser with {@link parseJsonBody}. The body size limit (413) is still
 * Fastify's, enforced before this runs; other content types stay unparsed and get 415.
 */
export function registerJsonBodyParser(app: FastifyInstance, limits: RequestLimits): void {
  app.removeContentTypeParser('application/json');
  app.decorateRequest('rawBody', null);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const value = parseJsonBody(body as Buffer, request.headers['content-type'], limits);
      request.rawBody = body as Buffer;
      done(null, value);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** `request.body` on a route that parses on demand, until {@link parsedBody} parses it. */
const UNPARSED = Symbol('unparsed JSON body');

/**
 * For the prediction routes, which may answer a repeated request from the memo of its bytes
 * (cache/hit-memo.ts) without ever parsing it: the charset is checked and the bytes kept, and
 * {@link parsedBody} parses them, with every check of {@link parseJsonBody}, when they are needed.
 * Register inside the routes' own plugin: it replaces the JSON parser for that scope only.
 */
export function registerDeferredJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      assertUtf8(request.headers['content-type']);
      request.rawBody = body as Buffer;
      done(null, UNPARSED);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/**
 * The request's body, parsed now (and kept) if its route deferred it. Throws the domain errors of
 * {@link parseJsonBody}; thrown from a route, they are answered as the parser's own would be.
 */
export function parsedBody(request: FastifyRequest, limits: RequestLimits): unknown {
  if (request.body !== UNPARSED) return request.body;
  const value = parseJsonBody(request.rawBody as Buffer, request.headers['content-type'], limits);
  request.body = value;
  return value;
}

/**
 * The body for the prediction log. Only predictions are logged, and one whose route never parsed
 * its body was answered from the memo: the same bytes passed every check before, so they parse.
 */
export function loggableBody(request: FastifyRequest): unknown {
  if (request.body !== UNPARSED) return request.body;
  return request.rawBody ? JSON.parse(request.rawBody.toString('utf8')) : null;
}
