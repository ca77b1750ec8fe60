import { randomBytes } from 'node:crypto';
import { createDb, migrate } from '@modelplane/db';
import { testDatabaseUrl } from '@modelplane/testing';
import pg from 'pg';

/** The bench's own database on the shared server, migrated; `drop()` removes it. */
export interface BenchDatabase {
  name: string;
  url: string;
  /** Pids of the server processes (backends) connected to this database right now. */
  backendPids(): Promise<number[]>;
  drop(): Promise<void>;
}

/** Prefix of every database the bench creates, so a leak is easy to spot and never mistaken for a test's. */
export const BENCH_DATABASE_PREFIX = 'mp_bench_';

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl(), application_name: 'modelplane-bench' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `mp_bench_<random>` on the shared Postgres (TEST_DATABASE_URL) and applies the migrations. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `${BENCH_DATABASE_PREFIX}${randomBytes(5).toString('hex')}`;
  const admin = new URL(testDatabaseUrl());
  const url = new URL(admin);
  url.pathname = `/${name}`;
  // Generated names are [a-z0-9_], so they need no quoting beyond the double quotes.
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const drop = () =>
    withAdmin(async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
  try {
    const database = await createDb({ kind: 'postgres', connectionString: url.toString() });
    try {
      await migrate(database);
    } finally {
      await database.close();
    }
  } catch (error) {
    await drop();
    throw error;
  }
  return {
    name,
    url: url.toString(),
    backendPids: () =>
      withAdmin(async (client) => {
        const result = await client.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        return result.rows.map((row) => row.pid);
      }),
    drop,
  };
}
