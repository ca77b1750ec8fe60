import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseUrl } from './env.ts';

/** Prefix of every template database the fixtures create. */
export const TEMPLATE_PREFIX = 'mp_tpl_';
/** Prefix of every per-file test database; the template's suffix follows, so teardown can find leaks. */
export const CLONE_PREFIX = 'mp_t_';

/** Ten random lowercase hex characters: unique enough, and always a valid unquoted identifier. */
export function randomSuffix(): string {
  return randomBytes(5).toString('hex');
}

/** The admin URL with its database swapped for `name`. */
export function databaseUrl(name: string): string {
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `fn` on a short-lived connection to the admin database. */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: testDatabaseUrl(),
    connectionTimeoutMillis: 5000,
    application_name: 'modelplane-testing',
  });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Names we generate are `[a-z0-9_]`; quoting still keeps a stray name from becoming SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Drops the database even if connections are still open (PostgreSQL 13+). */
export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}
