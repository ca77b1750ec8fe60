import { hashToken } from '@modelplane/db';
import type { onRequestHookHandler } from 'fastify';
import { sendProblem } from './errors.ts';
import { NOT_LOADED } from './routes/target.ts';

/** The token of an `authorization: Bearer <token>` header, or null when absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

/**
 * Requires a live predict token. Hashes are compared against the request's snapshot, so a
 * revocation takes effect as soon as the routing state reloads its token set.
 */
export function predictAuthHook(): onRequestHookHandler {
  return (request, reply, done) => {
    const snapshot = request.snapshot;
    if (!snapshot) {
      sendProblem(request, reply, NOT_LOADED);
      return;
    }
    const token = bearerToken(request.headers.authorization);
    if (token === null || !snapshot.tokenHashes.has(hashToken(token))) {
      reply.header('www-authenticate', 'Bearer');
      const message = token === null ? 'missing bearer token' : 'invalid or revoked token';
      sendProblem(request, reply, { code: 'UNAUTHORIZED', message });
      return;
    }
    done();
  };
}
