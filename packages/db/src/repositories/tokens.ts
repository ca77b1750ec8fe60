import { hash } from 'node:crypto';
import { sql } from 'kysely';
import type { ApiTokenRow } from '../types.ts';
import type { Executor } from './executor.ts';

/** A predict token's fleet-wide quota: requests per second and the burst above it. */
export interface TokenRate {
  perSecond: number;
  burst: number;
}

export async function insertToken(
  db: Executor,
  t: {
    id: string;
    name: string;
    role: string;
    tokenHash: string;
    createdBy: string;
    rate?: TokenRate | null;
  },
): Promise<ApiTokenRow> {
  return db
    .insertInto('api_tokens')
    .values({
      id: t.id,
      name: t.name,
      role: t.role,
      token_hash: t.tokenHash,
      created_by: t.createdBy,
      rate_per_second: t.rate?.perSecond ?? null,
      burst: t.rate?.burst ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Sets (or, with null, removes) a token's quota. */
export async function setTokenRate(db: Executor, id: string, rate: TokenRate | null): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ rate_per_second: rate?.perSecond ?? null, burst: rate?.burst ?? null })
    .where('id', '=', id)
    .execute();
}

export async function findLiveTokenByHash(db: Executor, tokenHash: string): Promise<ApiTokenRow | undefined> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function findToken(db: Executor, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listTokens(db: Executor): Promise<ApiTokenRow[]> {
  return db.selectFrom('api_tokens').selectAll().orderBy('created_at').execute();
}

export async function revokeToken(db: Executor, id: string): Promise<void> {
  await db.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', id).execute();
}

export async function touchToken(db: Executor, id: string): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', id).execute();
}

/** The data plane reloads its token hashes when this generation moves. */
export async function bumpTokenGeneration(db: Executor): Promise<number> {
  const row = await db
    .updateTable('token_state')
    .set({ generation: sql<number>`generation + 1` })
    .returning('generation')
    .executeTakeFirstOrThrow();
  return Number(row.generation);
}

export async function liveTokenHashes(db: Executor, role: string): Promise<string[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .select('token_hash')
    .where('role', '=', role)
    .where('revoked_at', 'is', null)
    .execute();
  return rows.map((r) => r.token_hash);
}

/** Tokens are stored only as their sha256; both planes compare hashes. */
export function hashToken(token: string): string {
  // The one-shot hash: a fraction of createHash's cost, and the data plane hashes on every request.
  return hash('sha256', token, 'hex');
}
