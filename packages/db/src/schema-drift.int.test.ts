import { createTestDatabase, type TestDatabase } from '@modelplane/testing';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type Database, migrate, SCHEMA_SHAPE } from './index.ts';

type Shape = Record<string, Record<string, { nullable: boolean }>>;

/** The public schema as the database itself reports it, in SCHEMA_SHAPE's form. */
async function readShape(database: Database): Promise<Shape> {
  const { rows } = await sql<{ table_name: string; column_name: string; is_nullable: 'YES' | 'NO' }>`
    select c.table_name, c.column_name, c.is_nullable
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.table_name <> 'schema_migrations'
  `.execute(database.db);
  const shape: Shape = {};
  for (const row of rows) {
    shape[row.table_name] ??= {};
    (shape[row.table_name] as Shape[string])[row.column_name] = { nullable: row.is_nullable === 'YES' };
  }
  return shape;
}

const opened: Database[] = [];
let testDb: TestDatabase | undefined;
afterAll(async () => {
  for (const database of opened) await database.close();
  await testDb?.drop();
});

const cases = [
  {
    kind: 'postgres (template clone, migrated by globalSetup)',
    open: async () => {
      testDb = await createTestDatabase();
      return createDb({ kind: 'postgres', connectionString: testDb.connectionString });
    },
  },
  {
    kind: 'pglite (in memory)',
    open: async () => {
      const database = await createDb({ kind: 'pglite' });
      await migrate(database);
      return database;
    },
  },
];

describe.each(cases)('schema drift on $kind', ({ open }) => {
  it('has exactly the tables, columns and nullability in SCHEMA_SHAPE', async () => {
    const database = await open();
    opened.push(database);
    expect(await readShape(database)).toEqual(SCHEMA_SHAPE);
  });
});
