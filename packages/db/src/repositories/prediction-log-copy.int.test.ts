import { createTestDatabase, startBlackholeProxy } from '@modelplane/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { copyPoolFor } from '../copy-pool.ts';
import { createDb, type Database } from '../index.ts';
import type { PredictionLogInput } from './prediction-log.ts';
import { writePredictionLog } from './prediction-log.ts';
import { copyPredictionLog } from './prediction-log-copy.ts';
import { predictionLogText } from './prediction-log-text.ts';

// The COPY path of the prediction log, on a real Postgres server (PGlite takes the INSERT path).

const testDb = await createTestDatabase();
const opened: Database[] = [];
afterAll(async () => {
  for (const database of opened) await database.close();
  await testDb.drop();
});

async function open(connectionString: string, statementTimeoutMs?: number): Promise<Database> {
  const database = await createDb({
    kind: 'postgres',
    connectionString,
    ...(statementTimeoutMs !== undefined && { statementTimeoutMs }),
  });
  opened.push(database);
  return database;
}

function row(requestId: string): PredictionLogInput {
  return {
    requestId,
    createdAt: new Date(),
    model: 'copied',
    assignedVersion: '1',
    servedVersion: '1',
    revision: 1,
    routingKeyHash: null,
    sticky: false,
    pinned: false,
    inputHash: null,
    latencyMs: 2.5,
    servedFrom: 'backend',
    status: 200,
    errorCode: null,
    replicaId: 'r1',
    payloadJson: null,
  };
}

async function count(database: Database, prefix: string): Promise<number> {
  const result = await database.db
    .selectFrom('prediction_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('request_id', 'like', `${prefix}%`)
    .executeTakeFirstOrThrow();
  return Number(result.n);
}

describe('prediction log COPY', () => {
  it('writes a batch in one COPY; copying it again is refused whole, and the log write still lands once', async () => {
    const database = await open(testDb.connectionString);
    const pool = copyPoolFor(database.db);
    if (!pool) throw new Error('a Postgres database has a pool for COPY');
    const rows = Array.from({ length: 500 }, (_, i) => row(`batch-${i}`));
    await copyPredictionLog(pool, [predictionLogText(rows)]);
    expect(await count(database, 'batch-')).toBe(500);

    // A retried batch: COPY cannot skip what is there, so it fails atomically...
    const again = [...rows, row('batch-new')];
    await expect(copyPredictionLog(pool, [predictionLogText(again)])).rejects.toMatchObject({
      code: '23505',
    });
    expect(await count(database, 'batch-')).toBe(500);
    // ...and the log write merges it instead, skipping what is there, so the new row lands.
    await writePredictionLog(database.db, again);
    expect(await count(database, 'batch-')).toBe(501);
    // And again, on a connection whose temporary table is left from the merge before.
    await writePredictionLog(database.db, [...again, row('batch-newer')]);
    expect(await count(database, 'batch-')).toBe(502);
  });

  it('stores every row as given: times to the millisecond across seconds, escaped text, exact latencies', async () => {
    const database = await open(testDb.connectionString);
    const pool = copyPoolFor(database.db);
    if (!pool) throw new Error('a Postgres database has a pool for COPY');
    const second = Date.UTC(2026, 11, 6, 21, 30, 37);
    const times = [
      second,
      second + 7,
      second + 45,
      second + 999,
      second + 1001,
      Date.UTC(1969, 11, 31, 23, 59, 59, 5),
      second + 61_010,
      second + 2,
    ];
    const models = [
      'plain',
      'tab\there',
      'line\nbreak',
      'back\\slash',
      'cr\rhere',
      'nul\u0000here',
      'plain',
      'plain',
    ];
    const latencies = [1.2344, 1.2346, 0.0000001, 1234.5, 7, 0.5, 2, 3];
    const rows = times.map((at, i) => ({
      ...row(`exact-${i}`),
      createdAt: new Date(at),
      model: models[i] as string,
      latencyMs: latencies[i] as number,
    }));
    await copyPredictionLog(pool, [predictionLogText(rows)]);
    const stored = await database.db
      .selectFrom('prediction_log')
      .select(['request_id', 'created_at', 'model', 'latency_ms'])
      .where('request_id', 'like', 'exact-%')
      .orderBy('request_id')
      .execute();
    expect(
      stored.map((r) => [r.request_id, new Date(r.created_at).toISOString(), r.model, r.latency_ms]),
    ).toEqual([
      ['exact-0', new Date(times[0] as number).toISOString(), 'plain', 1.2344],
      ['exact-1', new Date(times[1] as number).toISOString(), 'tab\there', 1.2346],
      ['exact-2', new Date(times[2] as number).toISOString(), 'line\nbreak', 0.0000001],
      ['exact-3', new Date(times[3] as number).toISOString(), 'back\\slash', 1234.5],
      ['exact-4', new Date(times[4] as number).toISOString(), 'cr\rhere', 7],
      // Postgres text cannot hold NUL: it is stored as U+FFFD.
      ['exact-5', '1969-12-31T23:59:59.005Z', 'nul\ufffdhere', 0.5],
      ['exact-6', '2026-12-06T21:31:38.010Z', 'plain', 2],
      ['exact-7', '2026-12-06T21:30:37.002Z', 'plain', 3],
    ]);
  });

  it('gives up on a Postgres that stops answering within its timeout, and writes again once it answers', async () => {
    const proxy = await startBlackholeProxy(Number(new URL(testDb.connectionString).port || 5432));
    try {
      const url = new URL(testDb.connectionString);
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      // statement_timeout 500 ms: the client-side bound is 2.5 s (it trails the server's by 2 s).
      const database = await open(url.toString(), 500);
      await writePredictionLog(database.db, [row('hole-1')]);
      proxy.blackhole();
      const started = performance.now();
      await expect(writePredictionLog(database.db, [row('hole-2')])).rejects.toThrow(/timeout/);
      expect(performance.now() - started).toBeLessThan(2500 + 500);
      proxy.restore();
      await writePredictionLog(database.db, [row('hole-3')]);
      expect(await count(database, 'hole-')).toBe(2);
    } finally {
      await proxy.close();
    }
  });
});
