import type { Database } from './database.ts';

/** Runs SQL on one connection: `query` for one parameterised statement, `exec` for a script. */
export interface SqlRunner {
  query<R>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs several statements separated by semicolons (the simple query protocol); no parameters. */
  exec(text: string): Promise<void>;
}

/** One dedicated connection, held until `release()`, so session-level advisory locks stay with it. */
export interface SqlSession extends SqlRunner {
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

/** What each engine supplies; `transaction` falls back to BEGIN/COMMIT on the same connection. */
export type SessionParts = SqlRunner & {
  transaction?: <T>(fn: (tx: SqlRunner) => Promise<T>) => Promise<T>;
  release(): Promise<void>;
};

type SessionOpener = () => Promise<SessionParts>;

// Kept off the public Database interface: only migrate() needs a raw connection.
const openers = new WeakMap<Database, SessionOpener>();

/** Called by createDb so that migrate() can later open a dedicated connection for the database. */
export function registerSessionOpener(database: Database, open: SessionOpener): void {
  openers.set(database, open);
}

/** Opens a dedicated connection to a database made by createDb. */
export async function openSession(database: Database): Promise<SqlSession> {
  const open = openers.get(database);
  if (!open) throw new Error('openSession: the Database was not created by createDb()');
  const parts = await open();
  const transaction =
    parts.transaction ??
    (async <T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> => {
      await parts.exec('BEGIN');
      try {
        const result = await fn(parts);
        await parts.exec('COMMIT');
        return result;
      } catch (error) {
        await parts.exec('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  return { query: parts.query, exec: parts.exec, transaction, release: parts.release };
}
