import { randomBytes, timingSafeEqual } from 'node:crypto';
import { findLiveTokenByHash, hashToken, touchToken } from '@modelplane/db';
import type { Role } from '@modelplane/schemas';
import type { Deps } from './deps.ts';

/** Where a call came from: both go into the audit row of the mutation it makes. */
export interface RequestOrigin {
  /** Minted by the server per request and returned as `x-request-id`. */
  requestId: string;
  /** The peer address, or the client X-Forwarded-For names when the peer is in TRUSTED_PROXIES. */
  sourceAddress: string;
}

/** Who is calling: the actor name (and, over HTTP, the request's origin) goes into every audit row. */
export interface Principal {
  actor: string;
  role: Role;
  origin?: RequestOrigin;
}

/** `mpt_<id>_<secret>`: the id lets operators name a token without ever seeing its secret again. */
export function generateToken(): { id: string; token: string } {
  const id = `tok_${randomBytes(6).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `mpt_${id.slice(4)}_${secret}` };
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Resolves a bearer token to a principal, or null when it is unknown or revoked. */
export async function authenticate(deps: Deps, token: string | null): Promise<Principal | null> {
  if (!token || token.length > 512) return null;
  return authenticateTokenHash(deps, hashToken(token));
}

/** Resolves a token's sha256 (as a dashboard session keeps it) to a principal, or null when revoked. */
export async function authenticateTokenHash(deps: Deps, hash: string): Promise<Principal | null> {
  if (deps.bootstrapTokenHash && sameHash(hash, deps.bootstrapTokenHash)) {
    return { actor: 'bootstrap-admin', role: 'admin' };
  }
  const row = await findLiveTokenByHash(deps.db, hash);
  if (!row) return null;
  // last_used_at is informational; never fail or slow a call because of it.
  touchToken(deps.db, row.id).catch(() => {});
  return { actor: `${row.name} (${row.id})`, role: row.role as Role };
}
