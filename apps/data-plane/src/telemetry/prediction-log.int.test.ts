import { createHash, randomUUID } from 'node:crypto';
import { createDb, type Database } from '@modelplane/db';
import { createTestDatabase, type TestDatabase } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PREDICTION_LOG_OPTIONS,
  type LoggedPayload,
  type LoggedPrediction,
  loggedPayload,
  PredictionLog,
} from './prediction-log.ts';

// The prediction log's writer against a real Postgres: awkward client text is stored, and a row
// the database refuses anyway is set aside instead of blocking every row behind it.

let testDb: TestDatabase;
let database: Database;
const warnings: string[] = [];
const logger = { info() {}, warn: (_obj: object, msg?: string) => warnings.push(msg ?? '') };

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

function entry(requestId: string, payload: LoggedPayload | null): LoggedPrediction {
  return {
    record: {
      requestId,
      model: 'recs',
      assignedVersion: 'recs@1.0.0',
      servedVersion: null,
      revision: 1,
      routingKey: undefined,
      sticky: false,
      servedFrom: null,
      inputHash: null,
      cacheKey: null,
      startedAt: 0,
      errorCode: 'INVALID_INPUT',
    },
    replicaId: 'r-log',
    createdAt: Date.now(),
    latencyMs: 1,
    status: 400,
    payload,
  };
}

function log(): PredictionLog {
  // A long interval: the test flushes by hand.
  return new PredictionLog(
    database.db,
    { ...DEFAULT_PREDICTION_LOG_OPTIONS, flushIntervalMs: 60_000 },
    logger,
  );
}

async function stored(ids: string[]) {
  const rows = await database.db
    .selectFrom('prediction_log')
    .select(['request_id', 'payload'])
    .where('request_id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.request_id, row.payload as { input: unknown } | null]));
}

/** Request bodies as a client sends them: JSON text, escapes and all, parsed as the server does. */
const AWKWARD: Array<[string, string, unknown]> = [
  ['a lone high surrogate', '{"instances":["\\ud800"]}', { instances: ['\uFFFD'] }],
  ['a lone low surrogate', '{"instances":["a\\udc00b"]}', { instances: ['a\uFFFDb'] }],
  ['a reversed pair', '{"instances":["\\udc00\\ud800"]}', { instances: ['\uFFFD\uFFFD'] }],
  ['a NUL', '{"instances":["a\\u0000b"]}', { instances: ['a\uFFFDb'] }],
  [
    'a NUL and a surrogate in a key',
    '{"instances":[{"\\u0000\\ud800":1}]}',
    { instances: [{ '\uFFFD\uFFFD': 1 }] },
  ],
  ['emoji, raw and escaped', '{"instances":["😀","\\ud83d\\ude00"]}', { instances: ['😀', '😀'] }],
  ['a long string', `{"instances":["${'ж'.repeat(20_000)}"]}`, { instances: ['ж'.repeat(20_000)] }],
  ['a literal backslash-u', '{"instances":["\\\\ud800"]}', { instances: ['\\ud800'] }],
];

describe('the prediction log with awkward text', () => {
  it('stores every awkward payload, each string made well-formed, in one batch with ordinary rows', async () => {
    const buffer = log();
    const ids = AWKWARD.map(() => randomUUID());
    const plain = randomUUID();
    buffer.push(entry(plain, null));
    AWKWARD.forEach(([, body], i) => {
      const output = JSON.stringify({ error: { code: 'INVALID_INPUT' } });
      buffer.push(entry(ids[i] as string, loggedPayload(JSON.parse(body), output, Buffer.byteLength(body))));
    });
    await buffer.flush();
    expect(buffer.stats).toMatchObject({ written: AWKWARD.length + 1, quarantined: 0, failures: 0 });
    const rows = await stored([plain, ...ids]);
    expect(rows.get(plain)).toBeNull();
    AWKWARD.forEach(([name, , input], i) => {
      expect(rows.get(ids[i] as string)?.input, name).toEqual(input);
    });
    await buffer.close(0);
  });

  it('quarantines a row Postgres refuses and writes the rest of its batch, without retrying', async () => {
    const buffer = log();
    const ids = Array.from({ length: 100 }, () => randomUUID());
    const poisoned = ids[37] as string;
    for (const id of ids) {
      // Not JSON at all: no cleaning makes it storable, so only splitting the batch saves the others.
      buffer.push(entry(id, id === poisoned ? { json: '{"input":', bytes: 9 } : null));
    }
    await buffer.flush();
    expect(buffer.stats).toMatchObject({
      written: 99,
      quarantined: 1,
      failures: 0,
      bufferedRows: 0,
      bufferedBytes: 0,
    });
    const rows = await stored(ids);
    expect(rows.size).toBe(99);
    expect(rows.has(poisoned)).toBe(false);
    expect(warnings).toContain('row refused by the database; quarantined');
    await buffer.close(0);
  });
});

describe('the columns worked out when a batch is written', () => {
  it("stores each row's time, latency and routing-key hash exactly, whatever the key holds", async () => {
    const buffer = log();
    // The key is hashed from the bytes the row was held as: awkward keys must hash as their text does.
    const keys = [undefined, '', 'user-7', 'tab\tnew\nline\\N', 'ünï 😀', 'a\ud800b', 'k'.repeat(5000)];
    const latencies = [0.0000001, 1234.5678, 0.1 + 0.2, 3, 59_999.999, 7e-12, 42];
    const base = Date.UTC(2026, 11, 7, 23, 59, 59, 998);
    const cases = keys.map((key, i) => ({
      id: randomUUID(),
      key,
      latencyMs: latencies[i] as number,
      createdAt: base + i + 0.75, // crosses a second and a day; from performance.now(), with a fraction
    }));
    for (const c of cases) {
      const row = entry(c.id, null);
      buffer.push({
        ...row,
        record: { ...row.record, routingKey: c.key, sticky: c.key !== undefined },
        latencyMs: c.latencyMs,
        createdAt: c.createdAt,
      });
    }
    await buffer.flush();
    const rows = await database.db
      .selectFrom('prediction_log')
      .select([
        'request_id',
        'routing_key_hash',
        'latency_ms',
        'created_at',
        'sticky',
        'status',
        'error_code',
      ])
      .where(
        'request_id',
        'in',
        cases.map((c) => c.id),
      )
      .execute();
    const byId = new Map(rows.map((row) => [row.request_id, row]));
    for (const c of cases) {
      const expected =
        c.key === undefined ? null : createHash('sha256').update(c.key).digest('base64url').slice(0, 22);
      expect(byId.get(c.id), String(c.key)).toMatchObject({
        routing_key_hash: expected,
        latency_ms: c.latencyMs,
        created_at: new Date(c.createdAt),
        sticky: c.key !== undefined,
        status: 400,
        error_code: 'INVALID_INPUT',
      });
    }
    await buffer.close(0);
  });
});

describe('payload size accounting', () => {
  it('counts each payload at the bytes of its stored JSON, and drops the oldest rows at the byte bound', async () => {
    const maxBytes = 256 * 1024;
    const buffer = new PredictionLog(
      database.db,
      { ...DEFAULT_PREDICTION_LOG_OPTIONS, maxBytes, flushIntervalMs: 60_000 },
      logger,
    );
    // A body whose size the request did not announce (chunked): 25,000 two-byte characters.
    const input = { instances: ['é'.repeat(25_000)] };
    const payload = loggedPayload(input, '{"error":{"code":"INVALID_INPUT"}}', 0);
    expect(payload.bytes).toBe(
      Buffer.byteLength(JSON.stringify({ input, output: { error: { code: 'INVALID_INPUT' } } })),
    );
    for (let i = 0; i < 10; i++) buffer.push(entry(randomUUID(), payload));
    // Each row holds ~50 KB; five fit under 256 KiB, so five of ten were dropped, oldest first.
    expect(buffer.stats).toMatchObject({ bufferedRows: 5, dropped: 5 });
    expect(buffer.stats.bufferedBytes).toBeLessThanOrEqual(maxBytes);
    expect(buffer.stats.bufferedBytes).toBeGreaterThan(5 * 50_000);
    // Over the 64 KiB cap a payload is stored as its size: the buffer then holds a few bytes.
    const huge = loggedPayload({ instances: ['x'.repeat(200_000)] }, '{}', 200_020);
    expect(JSON.parse(huge.json)).toEqual({ truncated: true, bytes: 200_022 });
    expect(huge.bytes).toBe(huge.json.length);
    await buffer.close(0);
  });
});
