import { isUtf8 } from 'node:buffer';
import { BadRequestError, DomainError } from '@modelplane/schemas';
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../errors.ts';
import { invalidInput } from './issues.ts';
import { checkJsonLimits, type RequestLimits } from './limits.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The bytes of a JSON body that parsed within the limits (null otherwise). */
    rawBody: Buffer | null;
  }
}

/** JSON is UTF-8 (RFC 8259); a body that declares another charset is refused rather than misread. */
function assertUtf8(contentType: string | undefined): void {
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
