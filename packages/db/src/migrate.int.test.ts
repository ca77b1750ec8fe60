import { cp, mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { engines } from '../test/engines.ts';
import { type Database, MigrationChecksumError, migrate } from './index.ts';

// The reference list comes straight from the repository, not from the code under test.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));
const expectedFiles = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith('.sql')).sort();

const { engines: all, cleanup } = engines();
afterEach(cleanup);

async function recorded(database: Database): Promise<Array<{ name: string; checksum: string }>> {
  const { rows } = await sql<{ name: string; checksum: string }>`
    select name, checksum from schema_migrations order by name`.execute(database.db);
  return rows;
}

async function tableExists(database: Database, table: string): Promise<boolean> {
  const { rows } = await sql<{ found: string | null }>`select to_regclass(${table})::text as found`.execute(
    database.db,
  );
  return rows[0]?.found != null;
}

describe.each(all)('migrate on $kind', (engine) => {
  it('applies every migration in name order, then nothing the second time', async () => {
    const database = await engine.open();
    expect(expectedFiles.length).toBeGreaterThan(0);

    expect(await migrate(database)).toEqual({ applied: expectedFiles });
    expect((await recorded(database)).map((row) => row.name)).toEqual(expectedFiles);
    expect(await tableExists(database, 'routing_revisions')).toBe(true);

    expect(await migrate(database)).toEqual({ applied: [] });
    expect(await recorded(database)).toHaveLength(expectedFiles.length);
  });

  it('refuses an edited migration and applies nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mp-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const database = await engine.open();
      await migrate(database, { dir });
      const before = await recorded(database);

      const edited = expectedFiles[0] as string;
      await writeFile(join(dir, edited), '-- edited after it was applied\n', { flag: 'a' });
      await writeFile(join(dir, '9999_later.sql'), 'create table later_table (id int);');

      const error = await migrate(database, { dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationChecksumError);
      expect((error as MigrationChecksumError).migration).toBe(edited);
      expect((error as Error).message).toContain(edited);
      expect(await recorded(database)).toEqual(before);
      expect(await tableExists(database, 'later_table')).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses when an applied migration file is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mp-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const database = await engine.open();
      await migrate(database, { dir });
      const removed = expectedFiles.at(-1) as string;
      await unlink(join(dir, removed));

      await expect(migrate(database, { dir })).rejects.toThrow(MigrationChecksumError);
      await expect(migrate(database, { dir })).rejects.toThrow(removed);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mp-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await writeFile(join(dir, '9999_broken.sql'), 'create table half_done (id int);\nselect no_such_fn();');
      const database = await engine.open();

      await expect(migrate(database, { dir })).rejects.toThrow(/no_such_fn/);
      expect((await recorded(database)).map((row) => row.name)).toEqual(expectedFiles);
      expect(await tableExists(database, 'half_done')).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('applies once when two callers migrate the same database at the same time', async () => {
    const database = await engine.open();
    const results = await Promise.all([migrate(database), migrate(database)]);
    expect(results.map((r) => r.applied).sort((a, b) => a.length - b.length)).toEqual([[], expectedFiles]);
    expect(await recorded(database)).toHaveLength(expectedFiles.length);
  });
});
