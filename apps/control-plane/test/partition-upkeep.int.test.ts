import { createMemoryBus } from '@modelplane/bus';
import {
  createDb,
  type Database,
  listLogPartitions,
  type PredictionLogInput,
  writePredictionLog,
} from '@modelplane/db';
import { createTestDatabase, type TestDatabase, waitFor } from '@modelplane/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import type { Deps } from '../src/deps.ts';
import { runMonitoringUpkeep } from '../src/services/monitoring/upkeep.ts';
import { ADMIN_TOKEN } from './harness.ts';

// A long-running reader of prediction_log (an analyst's query, a slow export) holds a lock that the
// partition DDL conflicts with. Upkeep must give up quickly, let writers through and retry later.
let testDb: TestDatabase;
let database: Database;
let reader: Database;
const warnings: { obj: object; msg?: string }[] = [];

/** Today and the next three UTC days, as partition names: what upkeep creates. */
function expectedPartitions(now = new Date()): string[] {
  const today = Math.floor(now.getTime() / 86_400_000) * 86_400_000;
  return [0, 1, 2, 3].map(
    (d) => `p_${new Date(today + d * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '')}`,
  );
}

function deps(): Deps {
  return {
    // statement_timeout off: only the lock timeout under test may end the wait.
    config: parseConfig({
      DATABASE_URL: testDb.connectionString,
      MODELPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
      PARTITION_LOCK_TIMEOUT_MS: '500',
    }),
    db: database.db,
    bus: createMemoryBus(),
    logger: { info() {}, error() {}, warn: (obj, msg) => warnings.push({ obj, msg }) },
    bootstrapTokenHash: null,
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await createDb({
    kind: 'postgres',
    connectionString: testDb.connectionString,
    statementTimeoutMs: 0,
  });
  reader = await createDb({
    kind: 'postgres',
    connectionString: testDb.connectionString,
    statementTimeoutMs: 0,
  });
});

afterAll(async () => {
  await reader?.close();
  await database?.close();
  await testDb?.drop();
});

describe('partition upkeep under a conflicting lock', () => {
  it('gives up after the lock timeout, does not hold writers, logs, and succeeds on the next run', async () => {
    expect(await listLogPartitions(database.db)).toEqual([]);
    const read = holdReadTransaction();
    await read.started;

    // Bounded by the test timeout: before the lock timeout existed this waited for the reader.
    const upkeep = runMonitoringUpkeep(deps(), 'runner-a');
    await waitFor(async () => (await waitingLocks()) > 0, { message: 'the DDL queued behind the reader' });
    // A writer arriving now queues behind the DDL; it must get through while the reader still reads.
    await writePredictionLog(database.db, [logRow('written-during-read')]);
    const result = await upkeep;
    expect(result.status).toBe('lock-timeout');
    expect(await listLogPartitions(database.db)).toEqual([]);
    expect(warnings.map((w) => w.msg)).toContain(
      'partition upkeep gave up waiting for a lock on prediction_log; the next run retries',
    );

    await read.finish();
    // The claim was released, so the very next run (any runner) does the work.
    const retry = await runMonitoringUpkeep(deps(), 'runner-b');
    expect(retry).toMatchObject({ status: 'done', created: expectedPartitions() });
    expect(await listLogPartitions(database.db)).toEqual(expectedPartitions());
  });

  it('a run within the same period after a success is skipped', async () => {
    expect(await runMonitoringUpkeep(deps(), 'runner-c')).toEqual({ status: 'skipped' });
  });
});

/** Lock requests on this database that are waiting (not granted) right now. */
async function waitingLocks(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
    WHERE d.datname = current_database() AND NOT l.granted`.execute(reader.db);
  return rows[0]?.n ?? 0;
}

/** A transaction on its own connection that has read prediction_log and stays open until finish(). */
function holdReadTransaction(): { started: Promise<void>; finish(): Promise<void> } {
  let markStarted = () => {};
  let release = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const done = reader.db.transaction().execute(async (tx) => {
    await sql`SELECT count(*) FROM prediction_log`.execute(tx);
    markStarted();
    await released;
  });
  return {
    started,
    finish: async () => {
      release();
      await done;
    },
  };
}

function logRow(requestId: string): PredictionLogInput {
  return {
    requestId,
    createdAt: new Date(),
    model: 'recs',
    assignedVersion: '1.0.0',
    servedVersion: '1.0.0',
    revision: 1,
    routingKeyHash: null,
    sticky: false,
    pinned: false,
    inputHash: null,
    latencyMs: 1,
    servedFrom: 'backend',
    status: 200,
    errorCode: null,
    replicaId: 'r1',
    payloadJson: null,
  };
}
