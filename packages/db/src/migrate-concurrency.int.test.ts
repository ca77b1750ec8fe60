import { createTestDatabase } from '@modelplane/testing';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { createDb, migrate } from './index.ts';

const testDb = await createTestDatabase({ empty: true });
afterAll(() => testDb.drop());

it('applies each migration exactly once when two processes (two pools) migrate at once', async () => {
  const first = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
  const second = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
  try {
    const [a, b] = await Promise.all([migrate(first), migrate(second)]);
    const applied = [...a.applied, ...b.applied];
    expect(applied.length).toBeGreaterThan(0);
    // Every migration was applied by exactly one of the two; the other found it already done.
    expect(new Set(applied).size).toBe(applied.length);
    expect([a.applied.length, b.applied.length]).toContain(0);

    const { rows } = await sql<{ name: string; n: number }>`
      select name, count(*)::int as n from schema_migrations group by name order by name`.execute(first.db);
    expect(rows.map((row) => row.name)).toEqual([...applied].sort());
    expect(rows.every((row) => row.n === 1)).toBe(true);
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
});
