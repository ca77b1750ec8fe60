import { createDb, type Database } from '@modelplane/db';
import { createTestDatabase, type TestDatabase } from '@modelplane/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollupWriter } from './rollups.ts';

let testDb: TestDatabase;
let database: Database;
const silent = { info() {}, warn() {} };

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

describe('rollup writer', () => {
  it('flushes a backlog of 20,000 cells (an outage of 100 minutes over 200 versions) into Postgres', async () => {
    // A long interval: the test flushes by hand, once, as the first flush after the outage would.
    const writer = new RollupWriter(
      database.db,
      { replicaId: 'r-backlog', flushIntervalMs: 600_000 },
      silent,
    );
    const firstMinute = Math.floor(Date.now() / 60_000) * 60_000 - 200 * 60_000;
    let requests = 0;
    for (let minute = 0; minute < 100; minute++) {
      for (let version = 0; version < 200; version++) {
        const at = firstMinute + minute * 60_000 + 1000;
        const count = 1 + ((minute + version) % 3);
        for (let i = 0; i < count; i++) writer.record(at, 'recs', `v${version}`, 200, 3, false);
        requests += count;
      }
    }
    expect(writer.pending).toBe(20_000);
    await writer.flush(false);
    expect(writer.pending).toBe(0);
    const { rows } = await sql<{ cells: number; requests: number }>`
      SELECT count(*)::int4 AS cells, sum(requests)::int4 AS requests
      FROM prediction_rollups WHERE replica_id = 'r-backlog'
    `.execute(database.db);
    expect(rows[0]).toEqual({ cells: 20_000, requests });
    await writer.close();
  });
});
