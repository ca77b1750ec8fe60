import { hashToken } from '@modelplane/db';
import type { onRequestHookHandler } from 'fastify';
import { sendProblem } from './errors.ts';
import { NOT_LOADED } from './routes/target.ts';
import type { RoutingSnapshot } from './routing/types.ts';

/** The token of an `authorization: Bearer <token>` header, or null when absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

/** Tokens already found live in a token set; a bound keeps a flood of distinct valid tokens cheap. */
const MAX_REMEMBERED_TOKENS = 1024;
const verified = new WeakMap<ReadonlySet<string>, Set<string>>();

/**
 * Whether `token` is live in `snapshot`. A token found live is remembered with the snapshot's token
 * set, so its sha256 is computed once per set rather than on every request. Every token change
 * (a revocation) loads a new set, which starts with nothing remembered; refused tokens are not kept.
 */
export function isLiveToken(snapshot: RoutingSnapshot, token: string): boolean {
  const hashes = snapshot.tokenHashes;
  const known = verified.get(hashes);
  if (known?.has(token)) return true;
  if (!hashes.has(hashToken(token))) return false;
  if (!known) verified.set(hashes, new Set([token]));
  else if (known.size < MAX_REMEMBERED_TOKENS) known.add(token);
  return true;
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
    if (token === null || !isLiveToken(snapshot, token)) {
      reply.header('www-authenticate', 'Bearer');
      const message = token === null ? 'missing bearer token' : 'invalid or revoked token';
      sendProblem(request, reply, { code: 'UNAUTHORIZED', message });
      return;
    }
    done();
  };
}
