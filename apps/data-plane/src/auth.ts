import { hashToken } from '@modelplane/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './errors.ts';
import { NOT_LOADED } from './pipeline/target.ts';
import type { TokenQuotas } from './quota/token-quotas.ts';
import type { RoutingSnapshot } from './routing/types.ts';

/** The token of an `authorization: Bearer <token>` header, or null when absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

/** Authorization headers already found live in a token set; a bound keeps a flood of distinct valid tokens cheap. */
const MAX_REMEMBERED_HEADERS = 1024;
const verified = new WeakMap<ReadonlySet<string>, Map<string, string>>();
/** The header found live last, with its token set. */
let last: { header: string | null; hashes: ReadonlySet<string> | null; hash: string } = {
  header: null,
  hashes: null,
  hash: '',
};

/**
 * The sha256 of the token an `authorization` header carries when that token is live in `snapshot`,
 * else null. A header found live is remembered with the snapshot's token set, so the header is
 * parsed and its token hashed once per set rather than on every request. Every token change (a
 * revocation) loads a new set, which starts with nothing remembered; refused headers are not kept.
 */
export function liveHeaderHash(snapshot: RoutingSnapshot, header: string): string | null {
  const hashes = snapshot.tokenHashes;
  // Most callers send one token: compared as text, it skips hashing the header for the map.
  if (header === last.header && hashes === last.hashes) return last.hash;
  const known = verified.get(hashes);
  let hash = known?.get(header);
  if (hash === undefined) {
    const token = bearerToken(header);
    if (token === null) return null;
    hash = hashToken(token);
    if (!hashes.has(hash)) return null;
    if (!known) verified.set(hashes, new Map([[header, hash]]));
    else if (known.size < MAX_REMEMBERED_HEADERS) known.set(header, hash);
  }
  last = { header, hashes, hash };
  return hash;
}

/** A check run from the models' onRequest hook: answers the request itself, or calls `done`. */
export type PredictGate = (request: FastifyRequest, reply: FastifyReply, done: () => void) => void;

/**
 * Requires a live predict token, then charges the token's quota when it has one (429 with
 * Retry-After when it is spent). Hashes are compared against the request's snapshot, so a
 * revocation or a new quota takes effect as soon as the routing state reloads its token set.
 */
export function predictAuthHook(quotas?: TokenQuotas): PredictGate {
  let lastQuotas: ReadonlyMap<string, unknown> | null = null;
  return (request, reply, done) => {
    const snapshot = request.snapshot;
    if (!snapshot) {
      sendProblem(request, reply, NOT_LOADED);
      return;
    }
    const header = request.headers.authorization;
    const hash = header === undefined ? null : liveHeaderHash(snapshot, header);
    if (hash === null) {
      reply.header('www-authenticate', 'Bearer');
      const message = bearerToken(header) === null ? 'missing bearer token' : 'invalid or revoked token';
      sendProblem(request, reply, { code: 'UNAUTHORIZED', message });
      return;
    }
    const quota = snapshot.tokenQuotas.get(hash);
    if (quotas && quota) {
      if (snapshot.tokenQuotas !== lastQuotas) {
        lastQuotas = snapshot.tokenQuotas;
        quotas.retain(snapshot.tokenQuotas);
      }
      const retryAfterSeconds = quotas.take(hash, quota);
      if (retryAfterSeconds > 0) {
        sendProblem(request, reply, {
          code: 'TOO_MANY_REQUESTS',
          message: `token "${quota.name}" is over its quota of ${quota.ratePerSecond} requests per second`,
          retryAfterSeconds,
        });
        return;
      }
    }
    done();
  };
}
