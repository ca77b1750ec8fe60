import type { Kysely } from 'kysely';
import type { DB } from './types.ts';

/** An open database: the Kysely instance, which engine is behind it, and how to close it. */
export interface Database {
  db: Kysely<DB>;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}
