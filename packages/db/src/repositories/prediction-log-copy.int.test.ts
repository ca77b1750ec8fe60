import { createTestDatabase, startBlackholeProxy } from '@modelplane/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { copyPoolFor } from '../copy-pool.ts';
import { createDb, type Database } from '../index.ts';
import type { PredictionLogInput } from './prediction-log.ts';
import { writePredictionLog } from './prediction-log.ts';
import { copyPredictionLog } from './prediction-log-copy.ts';

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
    await copyPredictionLog(pool, rows);
    expect(await count(database, 'batch-')).toBe(500);

    // A retried batch: COPY cannot skip what is there, so it fails atomically...
    const again = [...rows, row('batch-new')];
    await expect(copyPredictionLog(pool, again)).rejects.toMatchObject({ code: '23505' });
    expect(await count(database, 'batch-')).toBe(500);
    // ...and the log write falls back to the INSERT that skips them, so the new row lands.
    await writePredictionLog(database.db, again);
    expect(await count(database, 'batch-')).toBe(501);
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
