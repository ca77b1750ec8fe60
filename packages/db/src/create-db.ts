import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import { registerCopyPool } from './copy-pool.ts';
import type { Database } from './database.ts';
import { registerSessionOpener } from './sql-session.ts';
import type { DB } from './types.ts';

export type { Database } from './database.ts';

/** How to reach the database: a Postgres server, or PGlite (in memory or in a directory). */
export type DbOptions =
  | {
      kind: 'postgres';
      connectionString: string;
      /** Server-side limit per statement; 0 disables it (and the client-side read timeout). Default 10000. */
      statementTimeoutMs?: number;
      poolMax?: number;
      applicationName?: string;
    }
  | {
      kind: 'pglite';
      /** A directory to persist to; undefined keeps the database in memory. */
      dataDir?: string;
    };

/** pg's default int8 parser returns strings; our ids and generations fit in a double. */
const INT8_OID = 20;
const CONNECT_TIMEOUT_MS = 5000;
/** The client-side read timeout trails the server's statement_timeout so the server's clearer error wins. */
const CLIENT_TIMEOUT_MARGIN_MS = 2000;

const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Opens a database. jsonb comes back parsed, bytea as a Buffer/Uint8Array and int8 as a number on
 * both engines. Run `migrate()` before using the tables.
 */
export async function createDb(options: DbOptions): Promise<Database> {
  return options.kind === 'postgres' ? createPostgres(options) : createPglite(options);
}

/** The settings every connection to the server uses, shared by the pool and the migration client. */
function clientConfig(options: Extract<DbOptions, { kind: 'postgres' }>): pg.ClientConfig {
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  const timeouts =
    statementTimeoutMs > 0
      ? {
          statement_timeout: statementTimeoutMs,
          query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
        }
      : {};
  return {
    connectionString: options.connectionString,
    application_name: options.applicationName ?? 'modelplane',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A transaction left open by a crashed handler would otherwise hold its locks forever.
    idle_in_transaction_session_timeout: Math.max(statementTimeoutMs, 10_000) * 3,
    // Detects a peer that vanished without closing the socket while a connection sits idle.
    keepAlive: true,
    types: pgTypes,
    ...timeouts,
  };
}

async function createPostgres(options: Extract<DbOptions, { kind: 'postgres' }>): Promise<Database> {
  const config = clientConfig(options);
  const pool = new pg.Pool({ ...config, max: options.poolMax ?? 10 });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would kill the process.
  // The pool already discards that client, and the next checkout opens a fresh one.
  pool.on('error', () => {});
  // A client checked out when its connection drops emits 'error' with no pool listener; its query already rejects.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  registerCopyPool(db, pool);
  const database: Database = {
    db,
    kind: 'postgres',
    // Kysely only ends a pool it has initialised, so end it ourselves if no query ever ran.
    close: async () => {
      await db.destroy();
      if (!pool.ended) await pool.end();
    },
  };
  registerSessionOpener(database, async () => {
    // Migrations get their own connection with no statement timeout: a large index build may take
    // minutes, and the pool's session settings stay untouched.
    const client = new pg.Client({ ...config, statement_timeout: 0, query_timeout: 15 * 60_000 });
    client.on('error', () => {});
    await client.connect();
    // pg omits a zero statement_timeout from the startup packet; say it so a server default cannot apply.
    await client.query('SET statement_timeout = 0').catch(async (error: unknown) => {
      await client.end();
      throw error;
    });
    return {
      query: async <R>(text: string, params: unknown[] = []) =>
        (await client.query(text, params)).rows as R[],
      // No parameters means the simple query protocol, which accepts several statements.
      exec: async (text) => {
        await client.query(text);
      },
      release: () => client.end(),
    };
  });
  return database;
}

async function createPglite(options: Extract<DbOptions, { kind: 'pglite' }>): Promise<Database> {
  // Loaded on demand so a Postgres-only process (and its bundle) never loads the WASM build.
  const { PGlite, types: pgliteTypes } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    parsers: { [pgliteTypes.INT8]: (value: string) => Number(value) },
  });
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  const database: Database = {
    db,
    kind: 'pglite',
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
  registerSessionOpener(database, async () => ({
    query: async <R>(text: string, params: unknown[] = []) => (await pglite.query<R>(text, params)).rows,
    exec: async (text) => {
      await pglite.exec(text);
    },
    // PGlite's own transaction holds its mutex, so Kysely queries from elsewhere wait instead of joining.
    transaction: (fn) =>
      pglite.transaction((tx) =>
        fn({
          query: async <R>(text: string, params: unknown[] = []) => (await tx.query<R>(text, params)).rows,
          exec: async (text) => {
            await tx.exec(text);
          },
        }),
      ),
    release: async () => {},
  }));
  return database;
}
