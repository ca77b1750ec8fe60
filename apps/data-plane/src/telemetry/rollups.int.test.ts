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

  it('counts every request into a row: after its cell was written, dropped, or a minute changed', async () => {
    const writer = new RollupWriter(
      database.db,
      { replicaId: 'r-cells', flushIntervalMs: 600_000, maxCells: 2 },
      silent,
    );
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const record = (version: string, minutesAgo: number, n: number) => {
      for (let i = 0; i < n; i++)
        writer.record(now - minutesAgo * 60_000 + 1000, 'recs', version, 200, 3, false);
    };
    record('v1', 0, 3);
    await writer.flush(true);
    // The open minute's cell was written and left the writer: these start a fresh one.
    record('v1', 0, 2);
    await writer.flush(true);
    record('v1', 1, 1); // v1's cell for the minute before
    record('v2', 0, 1);
    record('v3', 0, 1); // a third cell over maxCells 2: v1's (the oldest minute) is dropped
    record('v1', 1, 4); // v1's minute again: a new cell, not the dropped one (v2's goes)
    record('v1', 0, 1); // the current minute for v1: the oldest, v1's minute before with 4, goes
    expect(writer.droppedRequests).toBe(1 + 1 + 4);
    await writer.flush(true);
    const { rows } = await sql<{ version: string; ago: number; requests: number }>`
      SELECT version, ((${now}::float8 / 1000 - extract(epoch FROM minute)) / 60)::int4 AS ago, requests
      FROM prediction_rollups WHERE replica_id = 'r-cells' ORDER BY version, minute
    `.execute(database.db);
    expect(rows).toEqual([
      { version: 'v1', ago: 0, requests: 3 + 2 + 1 },
      { version: 'v3', ago: 0, requests: 1 },
    ]);
    // Every request recorded is in a row or counted as dropped.
    const written = rows.reduce((sum, row) => sum + row.requests, 0);
    expect(written + writer.droppedRequests).toBe(3 + 2 + 1 + 1 + 1 + 4 + 1);
    await writer.close();
  });
});
