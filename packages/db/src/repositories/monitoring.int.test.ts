import { createTestDatabase } from '@modelplane/testing';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type Database, migrate } from '../index.ts';
import { logRow } from '../test-support/log-row.ts';
import { claimLeaderRun } from './leader-jobs.ts';
import { dropExpiredLogPartitions, ensureLogPartitions, listLogPartitions } from './partitions.ts';
import {
  insertPredictionLog,
  predictionLogLine,
  writePredictionLog,
  writePredictionLogText,
} from './prediction-log.ts';
import { windowRollup } from './rollouts.ts';
import { fleetRollups, upsertRollups } from './rollups.ts';

const testDb = await createTestDatabase();
const opened: Database[] = [];
afterAll(async () => {
  for (const database of opened) await database.close();
  await testDb.drop();
});

const once = <T>(fn: () => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => {
    value ??= fn();
    return value;
  };
};

const engines = [
  {
    kind: 'postgres',
    open: once(async () => {
      const database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
      opened.push(database);
      return database;
    }),
  },
  {
    kind: 'pglite',
    open: once(async () => {
      const database = await createDb({ kind: 'pglite' });
      opened.push(database);
      await migrate(database);
      return database;
    }),
  },
];

describe.each(engines)('monitoring tables on $kind', (engine) => {
  it('writes a log batch once even when it is retried, payloads with awkward characters intact', async () => {
    const { db } = await engine.open();
    const at = new Date();
    const payload = JSON.stringify({
      input: { text: 'a "quoted" \\ back,slash {brace} ünï 😀' },
      output: [1],
    });
    const rows = [
      logRow('req-1', at, { payloadJson: payload }),
      logRow('req-2', at, { sticky: false, routingKeyHash: null }),
    ];
    // The second write is the retry of a batch whose first try committed unseen.
    await writePredictionLog(db, rows);
    await writePredictionLog(db, rows);
    const stored = await db
      .selectFrom('prediction_log')
      .selectAll()
      .where('request_id', 'in', ['req-1', 'req-2'])
      .orderBy('request_id')
      .execute();
    expect(stored).toHaveLength(2);
    expect(stored[0]?.payload).toEqual(JSON.parse(payload));
    expect(stored[1]).toMatchObject({ sticky: false, routing_key_hash: null, latency_ms: 1.25, status: 200 });
  });

  it('writes rows handed over as COPY text in pieces, and a retried batch only once', async () => {
    const { db } = await engine.open();
    const at = new Date();
    const payload = JSON.stringify({ input: { text: 'tab\there ünï 😀' }, output: [2] });
    const rows = [
      logRow('text-1', at, { payloadJson: payload }),
      logRow('text-2', at, { model: 'line\nbreak' }),
      logRow('text-3', at, { routingKeyHash: null, sticky: false }),
    ];
    // As the data plane holds them: UTF-8 bytes, a batch split wherever its chunks end.
    const bytes = Buffer.from(rows.map(predictionLogLine).join(''));
    const split = bytes.indexOf('\n'.charCodeAt(0)) + 1;
    await writePredictionLogText(db, [bytes.subarray(0, split), bytes.subarray(split)]);
    // The retry of a batch whose first try committed unseen, with a row the first did not have.
    const retried = [...rows, logRow('text-4', at)];
    await writePredictionLogText(db, [Buffer.from(retried.map(predictionLogLine).join(''))]);
    const stored = await db
      .selectFrom('prediction_log')
      .select(['request_id', 'model', 'payload', 'routing_key_hash'])
      .where('request_id', 'like', 'text-%')
      .orderBy('request_id')
      .execute();
    expect(stored).toEqual([
      { request_id: 'text-1', model: 'recs', payload: JSON.parse(payload), routing_key_hash: 'k1' },
      { request_id: 'text-2', model: 'line\nbreak', payload: null, routing_key_hash: 'k1' },
      { request_id: 'text-3', model: 'recs', payload: null, routing_key_hash: null },
      { request_id: 'text-4', model: 'recs', payload: null, routing_key_hash: 'k1' },
    ]);
  });

  it('stores every column as given, whatever characters the text holds', async () => {
    const { db } = await engine.open();
    const at = new Date('2026-12-04T10:11:12.345Z');
    const awkward = 'tab\there\nnew line\r\\N back\\slash "quote" ünï 😀';
    const rows = [
      logRow(`odd ${awkward}`, at, {
        model: `m ${awkward}`,
        assignedVersion: 'v\t1',
        servedVersion: null,
        revision: null,
        routingKeyHash: null,
        sticky: false,
        pinned: true,
        inputHash: '\\N',
        latencyMs: 0.000123,
        servedFrom: null,
        status: 503,
        errorCode: 'UNAVAILABLE',
        replicaId: `r ${awkward}`,
        payloadJson: JSON.stringify({ input: { text: awkward }, output: [1.5, null] }),
      }),
      logRow('plain', at),
    ];
    await writePredictionLog(db, rows);
    const stored = await db
      .selectFrom('prediction_log')
      .selectAll()
      .where(
        'request_id',
        'in',
        rows.map((r) => r.requestId),
      )
      .orderBy('request_id')
      .execute();
    expect(
      stored.map((r) => ({
        requestId: r.request_id,
        createdAt: new Date(r.created_at).toISOString(),
        model: r.model,
        assignedVersion: r.assigned_version,
        servedVersion: r.served_version,
        revision: r.revision,
        routingKeyHash: r.routing_key_hash,
        sticky: r.sticky,
        pinned: r.pinned,
        inputHash: r.input_hash,
        latencyMs: r.latency_ms,
        servedFrom: r.served_from,
        status: r.status,
        errorCode: r.error_code,
        replicaId: r.replica_id,
        payload: r.payload,
      })),
    ).toEqual(
      [...rows]
        .sort((a, b) => (a.requestId < b.requestId ? -1 : 1))
        .map(({ payloadJson, createdAt, ...rest }) => ({
          ...rest,
          createdAt: createdAt.toISOString(),
          payload: payloadJson === null ? null : JSON.parse(payloadJson),
        })),
    );
  });

  it('stores a NUL from client text as U+FFFD instead of failing the batch it travels in', async () => {
    const { db } = await engine.open();
    const at = new Date();
    const rows = [
      logRow('nul-1', at, {
        model: 'no\u0000such',
        payloadJson: JSON.stringify({ input: { text: 'a\u0000b', literal: '\\u0000' }, output: null }),
      }),
      logRow('nul-2', at),
    ];
    await writePredictionLog(db, rows);
    const stored = await db
      .selectFrom('prediction_log')
      .select(['request_id', 'model', 'payload'])
      .where('request_id', 'in', ['nul-1', 'nul-2'])
      .orderBy('request_id')
      .execute();
    expect(stored).toEqual([
      {
        request_id: 'nul-1',
        model: 'no\uFFFDsuch',
        payload: { input: { text: 'a\uFFFDb', literal: '\\u0000' }, output: null },
      },
      { request_id: 'nul-2', model: 'recs', payload: null },
    ]);
  });

  it('adds rollups written twice for one key instead of replacing them, and merges replicas', async () => {
    const { db } = await engine.open();
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const base = { minute, model: 'rollme', version: '1.0.0', errors: 1, clientErrors: 0, cacheHits: 2 };
    await upsertRollups(db, [{ ...base, replicaId: 'a', requests: 10, latencyBuckets: [0, 4, 6] }]);
    await upsertRollups(db, [{ ...base, replicaId: 'a', requests: 5, latencyBuckets: [1, 0, 4] }]);
    await upsertRollups(db, [{ ...base, replicaId: 'b', requests: 3, latencyBuckets: [0, 0, 3] }]);
    const [rollup] = await fleetRollups(db, 'rollme', 3_600_000);
    expect(rollup).toMatchObject({ version: '1.0.0', requests: 18, errors: 3, cacheHits: 6 });
    expect([...(rollup?.buckets ?? new Map()).entries()].sort()).toEqual([
      [0, 1],
      [1, 4],
      [2, 13],
    ]);
  });

  it('merges uncached histograms like the others, keeps a row with an unknown part unknown, and reads only whole splits', async () => {
    const { db } = await engine.open();
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const base = { minute, model: 'uncache', version: '1.0.0', errors: 0, clientErrors: 0 };
    const row = (replicaId: string, requests: number, cacheHits: number, uncached?: number[]) => ({
      ...base,
      replicaId,
      requests,
      cacheHits,
      latencyBuckets: [cacheHits, 0, requests - cacheHits],
      uncachedLatencyBuckets: uncached,
    });
    // New replica a flushes the minute twice: histograms added bucket by bucket.
    await upsertRollups(db, [row('a', 10, 4, [0, 0, 6])]);
    await upsertRollups(db, [row('a', 5, 1, [0, 0, 4])]);
    // An old replica (no split); a new one whose row an old one then added to (its upsert has no split).
    await upsertRollups(db, [row('b', 3, 0)]);
    await upsertRollups(db, [row('c', 4, 0, [0, 0, 4])]);
    await upsertRollups(db, [row('c', 2, 0)]);
    // A row an old replica's ON CONFLICT added to without touching the split: it no longer sums up.
    await upsertRollups(db, [row('d', 6, 0, [0, 0, 6])]);
    await sql`UPDATE prediction_rollups SET requests = requests + 1 WHERE model = 'uncache' AND replica_id = 'd'`.execute(
      db,
    );
    const stored = await db
      .selectFrom('prediction_rollups')
      .select(['replica_id', 'uncached_latency_buckets'])
      .where('model', '=', 'uncache')
      .orderBy('replica_id')
      .execute();
    expect(stored).toEqual([
      { replica_id: 'a', uncached_latency_buckets: [0, 0, 10] },
      { replica_id: 'b', uncached_latency_buckets: null },
      { replica_id: 'c', uncached_latency_buckets: null },
      { replica_id: 'd', uncached_latency_buckets: [0, 0, 6] },
    ]);
    const end = new Date(minute.getTime() + 60_000);
    const window = await windowRollup(db, 'uncache', '1.0.0', minute, end, 3);
    expect(window).toEqual({
      requests: 15 + 3 + 6 + 7,
      errors: 0,
      cacheHits: 5,
      latencyBuckets: [5, 0, 25],
      uncachedLatencyBuckets: [0, 0, 10],
      unsplitRequests: 3 + 6 + 7,
    });
  });

  it('creates daily partitions, moving rows out of the default partition, and drops expired ones', async () => {
    const { db } = await engine.open();
    const now = new Date('2031-05-10T12:00:00Z');
    // A row for a day that has no partition yet lands in the default partition.
    await insertPredictionLog(db, [logRow('early', new Date('2031-05-11T08:00:00Z'))]);
    const created = await db.transaction().execute((tx) => ensureLogPartitions(tx, now, 2));
    expect(created).toEqual(['p_20310510', 'p_20310511', 'p_20310512']);
    const { rows } = await sql<{ part: string }>`
      SELECT tableoid::regclass::text AS part FROM prediction_log WHERE request_id = 'early'`.execute(db);
    expect(rows.map((r) => r.part)).toEqual(['prediction_log_partitions.p_20310511']);
    expect(await db.transaction().execute((tx) => ensureLogPartitions(tx, now, 2))).toEqual([]);

    const later = new Date('2031-05-20T00:30:00Z');
    const dropped = await db.transaction().execute((tx) => dropExpiredLogPartitions(tx, later, 8));
    expect(dropped).toEqual(['p_20310510', 'p_20310511']);
    expect(await listLogPartitions(db)).toEqual(['p_20310512']);
  });

  it('lets one caller claim a leader job per interval', async () => {
    const { db } = await engine.open();
    const claim = () => db.transaction().execute((tx) => claimLeaderRun(tx, 'test-job', 60_000, 'me'));
    expect(await claim()).toBe(true);
    expect(await claim()).toBe(false);
  });
});
