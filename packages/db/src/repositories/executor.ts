import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../types.ts';

/** Repository functions take the database or a transaction as their first argument. */
export type Executor = Kysely<DB> | Transaction<DB>;

/** jsonb parameters are passed as text: node-postgres would turn a JS array into a Postgres array. */
export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}
