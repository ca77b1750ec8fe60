import type { Database } from './create-db.ts';
import { findMigrationsDir, type MigrationFile, readMigrationFiles } from './migration-files.ts';
import { openSession, type SqlSession } from './sql-session.ts';

/** Thrown when an applied migration's file was edited or deleted; the database is left untouched. */
export class MigrationChecksumError extends Error {
  constructor(
    readonly migration: string,
    reason: 'changed' | 'missing',
  ) {
    super(
      reason === 'changed'
        ? `migration ${migration} was changed after it was applied; add a new migration instead`
        : `migration ${migration} was applied but its file is missing`,
    );
    this.name = 'MigrationChecksumError';
  }
}

/** Options for migrate(); `dir` defaults to the repository's top-level `migrations/`. */
export interface MigrateOptions {
  dir?: string;
}

/** An arbitrary constant that every Modelplane process uses as the migration advisory lock key. */
const LOCK_KEY = 7_316_820_451;
const LOCK_WAIT_MS = 120_000;
const LOCK_POLL_MS = 100;

/**
 * Applies pending `*.sql` migrations in name order, each in its own transaction, and records them in
 * `schema_migrations`. A session-level advisory lock serialises concurrent callers; the loser waits and
 * then finds nothing left to do. Throws MigrationChecksumError before applying anything if an applied
 * file was changed or removed.
 */
export async function migrate(
  database: Database,
  options: MigrateOptions = {},
): Promise<{ applied: string[] }> {
  const files = await readMigrationFiles(options.dir ?? findMigrationsDir());
  const session = await openSession(database);
  try {
    return await withLock(database, session, () => applyPending(session, files));
  } finally {
    await session.release();
  }
}

async function applyPending(session: SqlSession, files: MigrationFile[]): Promise<{ applied: string[] }> {
  await session.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const rows = await session.query<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM schema_migrations ORDER BY name',
  );
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const row of rows) {
    const file = byName.get(row.name);
    if (!file) throw new MigrationChecksumError(row.name, 'missing');
    if (file.checksum !== row.checksum) throw new MigrationChecksumError(row.name, 'changed');
  }
  const done = new Set(rows.map((row) => row.name));
  const applied: string[] = [];
  for (const file of files.filter((f) => !done.has(f.name))) {
    await session.transaction(async (tx) => {
      await tx.exec(file.sql);
      await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
        file.name,
        file.checksum,
      ]);
    });
    applied.push(file.name);
  }
  return { applied };
}

// PGlite is a single session, where advisory locks are re-entrant, so callers sharing one in-process
// database also queue here.
const inProcess = new WeakMap<Database, Promise<unknown>>();

async function withLock<T>(database: Database, session: SqlSession, fn: () => Promise<T>): Promise<T> {
  const previous = inProcess.get(database) ?? Promise.resolve();
  const run = previous
    .catch(() => {})
    .then(async () => {
      await acquireAdvisoryLock(session);
      try {
        return await fn();
      } finally {
        await session.query('SELECT pg_advisory_unlock($1::bigint)', [LOCK_KEY]);
      }
    });
  inProcess.set(database, run);
  return run;
}

/** Polls rather than blocks, so a waiting process never holds a query open past a timeout. */
async function acquireAdvisoryLock(session: SqlSession): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const [row] = await session.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1::bigint) AS locked',
      [LOCK_KEY],
    );
    if (row?.locked) return;
    if (Date.now() > deadline) {
      throw new Error(`migrate: another process held the migration lock for over ${LOCK_WAIT_MS / 1000}s`);
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}
