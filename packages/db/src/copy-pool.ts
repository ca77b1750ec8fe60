import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { DB } from './types.ts';

// Kept off the public Database interface, as the session opener is: only bulk writers need it.
const pools = new WeakMap<Kysely<DB>, pg.Pool>();

/** Called by createDb for Postgres databases. */
export function registerCopyPool(db: Kysely<DB>, pool: pg.Pool): void {
  pools.set(db, pool);
}

/**
 * The Postgres pool behind `db`, for the bulk writes Kysely cannot express (COPY); undefined for
 * PGlite, a transaction, or a Kysely made elsewhere.
 */
export function copyPoolFor(db: unknown): pg.Pool | undefined {
  return pools.get(db as Kysely<DB>);
}
