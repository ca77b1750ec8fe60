import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  deleteDashboardSession,
  findLiveDashboardSession,
  hashToken,
  insertDashboardSession,
} from '@modelplane/db';
import type { FastifyRequest } from 'fastify';
import { authenticate, authenticateTokenHash, type Principal } from '../auth.ts';
import type { Deps } from '../deps.ts';

/** The session cookie's name. HttpOnly: page scripts never see it, only the browser sends it. */
export const SESSION_COOKIE = 'modelplane_session';
/** The header the page sends its session's CSRF token in, on every mutation and on sign-out. */
export const CSRF_HEADER = 'x-csrf-token';

/** A signed-in dashboard session, as the page learns it (never the API token itself). */
export interface DashboardSession {
  actor: string;
  role: Principal['role'];
  csrfToken: string;
  expiresAt: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function sameText(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** The value of one cookie in a Cookie header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/**
 * Exchanges an API token for a session: null when the token is unknown, revoked or a `predict`
 * token (which may not read the control plane). The returned secret goes only into the cookie.
 */
export async function startSession(
  deps: Deps,
  token: string,
): Promise<{ secret: string; session: DashboardSession } | null> {
  const principal = await authenticate(deps, token);
  if (!principal || principal.role === 'predict') return null;
  const secret = randomBytes(32).toString('base64url');
  const row = await insertDashboardSession(deps.db, {
    id: sha256(secret),
    tokenHash: hashToken(token),
    csrfToken: randomBytes(24).toString('base64url'),
    ttlSeconds: deps.config.DASHBOARD_SESSION_TTL_SECONDS,
  });
  return { secret, session: toSession(principal, row.csrf_token, row.expires_at) };
}

/**
 * The session the request's cookie names, with its principal: null when there is no cookie, the
 * session expired or was signed out, or the token it stands for has since been revoked.
 */
export async function resolveSession(
  deps: Deps,
  request: FastifyRequest,
): Promise<{ id: string; principal: Principal; session: DashboardSession } | null> {
  const secret = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (!secret || secret.length > 128) return null;
  const id = sha256(secret);
  const row = await findLiveDashboardSession(deps.db, id);
  if (!row) return null;
  const principal = await authenticateTokenHash(deps, row.token_hash);
  if (!principal || principal.role === 'predict') return null;
  return { id, principal, session: toSession(principal, row.csrf_token, row.expires_at) };
}

/** Whether the request carries the session's CSRF token (a cross-site page cannot read it). */
export function hasCsrfToken(request: FastifyRequest, session: DashboardSession): boolean {
  const sent = request.headers[CSRF_HEADER];
  return typeof sent === 'string' && sameText(sent, session.csrfToken);
}

export function endSession(deps: Deps, id: string): Promise<void> {
  return deleteDashboardSession(deps.db, id);
}

function toSession(principal: Principal, csrfToken: string, expiresAt: Date): DashboardSession {
  return {
    actor: principal.actor,
    role: principal.role,
    csrfToken,
    expiresAt: new Date(expiresAt).toISOString(),
  };
}
