import { createHash } from 'node:crypto';
import { generateRecsData, rowToInstance } from '@modelplane/demo-models';
import { startTcpProxy, type TcpProxy, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, registerDemo, type Stack, startStack } from './stack.ts';
import { type ComposedReplica, startComposedReplica } from './telemetry-replica.ts';

let stack: Stack;
let replica: ComposedReplica;
let token: string;

const recs1 = demo('recs', '1.0.0');
const recs2 = demo('recs', '2.0.0');
const instance = rowToInstance(
  recs1.featureOrder ?? [],
  generateRecsData({ seed: 5, rows: 1 }).rows[0] ?? [],
);

beforeAll(async () => {
  stack = await startStack();
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'recs' });
  await registerDemo(admin, recs1);
  await registerDemo(admin, recs2);
  await admin.traffic.set.mutate({
    model: 'recs',
    weights: [
      { version: '1.0.0', weight: 5000 },
      { version: '2.0.0', weight: 5000 },
    ],
  });
  token = (await admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  replica = await startComposedReplica(stack.databaseUrl, stack.prefix, 'tel-a', {
    predictionLog: { flushIntervalMs: 100 },
    feedback: { flushIntervalMs: 100 },
    payloadRefreshMs: 100,
  });
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
}, 90_000);

afterAll(async () => {
  await replica?.close();
  await stack?.close();
});

// The server mints every request id (the feedback join key); tests label requests with their own
// x-request-id, which the server keeps alongside, and map each label to the id it minted.
const minted = new Map<string, string>();

async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  const label = headers['x-request-id'];
  if (label) {
    expect(response.headers.get('x-client-request-id')).toBe(label);
    minted.set(label, response.headers.get('x-request-id') ?? '');
  }
  return response;
}

/** Log rows of the labelled requests, with `request_id` read back as the label. */
async function logRows(labels: string[]) {
  const labelOf = new Map(labels.map((label) => [minted.get(label) ?? label, label]));
  const rows = await stack.database.db
    .selectFrom('prediction_log')
    .selectAll()
    .where('request_id', 'in', [...labelOf.keys()])
    .execute();
  return rows.map((row) => ({ ...row, request_id: labelOf.get(row.request_id) ?? row.request_id }));
}

describe('the prediction log', () => {
  it('records every prediction with assigned and served versions, the sticky flag and the hashed key', async () => {
    const cases: Array<{ id: string; headers: Record<string, string>; path: string }> = [
      { id: 'log-sticky', headers: { 'x-routing-key': 'user-7' }, path: '/v1/models/recs:predict' },
      { id: 'log-random', headers: {}, path: '/v1/models/recs:predict' },
      { id: 'log-pinned', headers: { 'x-model-version': '2.0.0' }, path: '/v1/models/recs:predict' },
      { id: 'log-oip-pinned', headers: {}, path: '/v2/models/recs/versions/1.0.0/infer' },
      { id: 'log-bad-input', headers: { 'x-routing-key': 'user-7' }, path: '/v1/models/recs:predict' },
    ];
    const statuses: Record<string, number> = {};
    for (const c of cases) {
      const body =
        c.id === 'log-bad-input'
          ? { instances: [{ nonsense: 1 }] }
          : c.path.startsWith('/v2')
            ? {
                inputs: [
                  { name: 'features', shape: [1, 8], datatype: 'FP32', data: Object.values(instance) },
                ],
              }
            : { instances: [instance] };
      const response = await post(replica.url, c.path, body, { ...c.headers, 'x-request-id': c.id });
      statuses[c.id] = response.status;
    }
    expect(statuses).toMatchObject({
      'log-sticky': 200,
      'log-random': 200,
      'log-pinned': 200,
      'log-bad-input': 400,
    });
    const rows = await waitFor(async () => {
      const found = await logRows(cases.map((c) => c.id));
      return found.length === cases.length && found;
    });
    const byId = new Map(rows.map((row) => [row.request_id, row]));
    const sticky = byId.get('log-sticky');
    expect(sticky).toMatchObject({
      model: 'recs',
      sticky: true,
      pinned: false,
      status: 200,
      replica_id: 'tel-a',
      revision: 1,
    });
    expect(sticky?.assigned_version).toBe(sticky?.served_version);
    expect(sticky?.routing_key_hash).toBe(
      createHash('sha256').update('user-7').digest('base64url').slice(0, 22),
    );
    expect(byId.get('log-random')).toMatchObject({ sticky: false, routing_key_hash: null, pinned: false });
    expect(byId.get('log-pinned')).toMatchObject({
      pinned: true,
      assigned_version: '2.0.0',
      served_version: '2.0.0',
    });
    expect(byId.get('log-oip-pinned')).toMatchObject({
      pinned: true,
      served_version: '1.0.0',
      status: statuses['log-oip-pinned'],
    });
    expect(byId.get('log-bad-input')).toMatchObject({
      status: 400,
      error_code: 'INVALID_INPUT',
      served_version: null,
    });
    // The same key lands on the same version every time (and so counts as one experiment unit).
    expect(byId.get('log-bad-input')?.assigned_version).toBe(sticky?.assigned_version);
    for (const row of rows) expect(row.latency_ms).toBeGreaterThan(0);
  });

  it('exposes per-version latency histograms, error codes and buffer counters on /metrics without a token', async () => {
    const response = await fetch(`${replica.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(
      /modelplane_prediction_duration_seconds_bucket\{le="0\.001",model="recs",version="recs@[12]\.0\.0",outcome="success"\}/,
    );
    expect(text).toMatch(
      /modelplane_prediction_errors_total\{model="recs",version="recs@[12]\.0\.0",code="INVALID_INPUT"\} 1/,
    );
    // In-process model execution has its own latency histogram beside the remote backends' one.
    expect(text).toMatch(
      /modelplane_inference_duration_seconds_count\{version="recs@[12]\.0\.0",outcome="ok"\} [1-9]/,
    );
    expect(text).toMatch(/modelplane_routing_revision\{model="recs"\} 1/);
    expect(text).toContain('modelplane_routing_revision_age_seconds{model="recs"}');
    expect(text).toContain('modelplane_prediction_log_dropped_total 0');
    expect(text).toContain('modelplane_prediction_log_buffered_rows');
    // The prediction cache's own gauges and the backends' admission gauges are exported too.
    expect(text).toContain('modelplane_cache_memory_entries');
    expect(text).toContain('modelplane_backend_in_flight');
  });
});

describe('payload logging', () => {
  it('stores input and output for every failure and for the configured sample, once turned on', async () => {
    const send = (id: string, body: unknown) =>
      post(replica.url, '/v1/models/recs:predict', body, { 'x-request-id': id });
    await send('payload-off', { instances: [instance] });
    await stack.admin.metrics.payloadLogging.set.mutate({ model: 'recs', enabled: true, sampleRate: 0 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await send('payload-ok-unsampled', { instances: [instance] });
    await send('payload-failed', { instances: [{ nonsense: 1 }] });
    await stack.admin.metrics.payloadLogging.set.mutate({ model: 'recs', enabled: true, sampleRate: 1 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await send('payload-ok-sampled', { instances: [instance] });
    const ids = ['payload-off', 'payload-ok-unsampled', 'payload-failed', 'payload-ok-sampled'];
    const rows = await waitFor(async () => {
      const found = await logRows(ids);
      return found.length === ids.length && found;
    });
    const payload = (id: string) =>
      rows.find((r) => r.request_id === id)?.payload as {
        input: { instances: unknown[] };
        output: Record<string, unknown>;
      } | null;
    expect(payload('payload-off')).toBeNull();
    expect(payload('payload-ok-unsampled')).toBeNull();
    expect(payload('payload-failed')?.input).toEqual({ instances: [{ nonsense: 1 }] });
    expect(payload('payload-failed')?.output).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    expect(payload('payload-ok-sampled')?.input).toEqual({ instances: [instance] });
    expect(payload('payload-ok-sampled')?.output).toHaveProperty('predictions');
    await stack.admin.metrics.payloadLogging.set.mutate({ model: 'recs', enabled: false, sampleRate: 0 });
  });
});

describe('feedback', () => {
  it('accepts valid feedback with 202 whether or not the request id is known, and stores it', async () => {
    const knownId = minted.get('log-sticky') ?? '';
    expect(knownId).toMatch(/^[0-9a-f-]{36}$/);
    const known = await post(replica.url, '/v1/feedback', { requestId: knownId, outcome: true });
    const unknown = await post(replica.url, '/v1/feedback', {
      requestId: 'never-seen',
      outcome: 12.5,
      model: 'recs',
    });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    const rows = await waitFor(async () => {
      const found = await stack.database.db
        .selectFrom('prediction_feedback')
        .selectAll()
        .where('request_id', 'in', [knownId, 'never-seen'])
        .orderBy('kind')
        .execute();
      return found.length === 2 && found;
    });
    expect(rows.map((r) => [r.request_id, r.kind, r.value, r.model])).toEqual([
      [knownId, 'conversion', 1, null],
      ['never-seen', 'value', 12.5, 'recs'],
    ]);
    // Feedback ids are UUID v7 whose first 48 bits are the milliseconds the row was received at.
    for (const row of rows) {
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const millis = Number.parseInt(row.id.replace('-', '').slice(0, 12), 16);
      expect(millis).toBe(new Date(row.received_at).getTime());
    }
  });

  it.each([
    ['no requestId', { outcome: true }, 400],
    ['an outcome that is neither boolean nor number', { requestId: 'x', outcome: 'yes' }, 400],
    ['an unknown field', { requestId: 'x', outcome: true, extra: 1 }, 400],
    ['a request id with spaces', { requestId: 'a b', outcome: true }, 400],
  ])('rejects %s with a 4xx', async (_name, body, status) => {
    const response = await post(replica.url, '/v1/feedback', body);
    expect(response.status).toBe(status);
  });

  it('requires a predict token', async () => {
    const response = await post(
      replica.url,
      '/v1/feedback',
      { requestId: 'x', outcome: true },
      { authorization: '' },
    );
    expect(response.status).toBe(401);
  });
});

describe('Postgres unreachable under load', () => {
  let proxy: TcpProxy;
  let cut: ComposedReplica;

  beforeAll(async () => {
    const target = new URL(stack.databaseUrl);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    cut = await startComposedReplica(proxy.rewriteUrl(stack.databaseUrl), stack.prefix, 'tel-cut', {
      predictionLog: { maxRows: 300, batchRows: 50, flushIntervalMs: 50 },
      feedback: { maxRows: 5, flushIntervalMs: 50 },
    });
    await waitFor(async () => (await fetch(`${cut.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await cut?.close();
    await proxy?.close();
  });

  it('keeps serving, bounds the buffer, counts every dropped row, refuses feedback with 503, then resumes', async () => {
    const log = cut.dataPlane.telemetry.predictionLog;
    if (!log) throw new Error('the composed replica has a prediction log');
    proxy.cut();
    const total = 1200;
    const ids = Array.from({ length: total }, (_, i) => `outage-${i}`);
    let maxBuffered = 0;
    const statuses: number[] = [];
    for (let start = 0; start < total; start += 40) {
      const batch = ids.slice(start, start + 40);
      const responses = await Promise.all(
        batch.map((id) =>
          post(
            cut.url,
            '/v1/models/recs:predict',
            { instances: [instance] },
            { 'x-request-id': id, 'x-routing-key': id },
          ),
        ),
      );
      statuses.push(...responses.map((r) => r.status));
      maxBuffered = Math.max(maxBuffered, log.stats.bufferedRows);
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(maxBuffered).toBeLessThanOrEqual(300);
    expect(log.stats.dropped).toBeGreaterThan(0);

    // Feedback is never dropped: with its buffer full, callers are told to come back.
    const feedback = [];
    for (let i = 0; i < 8; i++)
      feedback.push(await post(cut.url, '/v1/feedback', { requestId: `outage-${i}`, outcome: true }));
    expect(feedback.slice(0, 5).map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    const refused = feedback[5];
    expect(refused?.status).toBe(503);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    proxy.restore();
    await waitFor(() => log.stats.bufferedRows === 0, {
      timeoutMs: 30_000,
      message: 'the log buffer to drain',
    });
    const written = (await logRows(ids)).length;
    expect(written).toBeGreaterThan(0);
    expect(written + log.stats.dropped).toBe(total);
    const metrics = await (await fetch(`${cut.url}/metrics`)).text();
    expect(metrics).toContain(`modelplane_prediction_log_dropped_total ${log.stats.dropped}`);
    const storedFeedback = await waitFor(
      async () => {
        const rows = await stack.database.db
          .selectFrom('prediction_feedback')
          .select('request_id')
          .where('replica_id', '=', 'tel-cut')
          .execute();
        return rows.length === 5 && rows;
      },
      { timeoutMs: 15_000 },
    );
    expect(storedFeedback).toHaveLength(5);
  }, 120_000);
});

describe('fleet-wide percentiles', () => {
  it('merges the rollups of several replicas into the percentiles of the raw latencies, to the bucket resolution', async () => {
    const { admin } = stack;
    await admin.models.create.mutate({ name: 'lat' });
    await registerDemo(admin, recs1, '1.0.0', { model: 'lat' });
    await admin.traffic.set.mutate({ model: 'lat', weights: [{ version: '1.0.0', weight: 10000 }] });
    const replicas = [
      await startComposedReplica(stack.databaseUrl, stack.prefix, 'lat-a'),
      await startComposedReplica(stack.databaseUrl, stack.prefix, 'lat-b'),
    ];
    for (const r of replicas) {
      await waitFor(async () => (await fetch(`${r.url}/readyz`)).status === 200, {
        timeoutMs: 30_000,
      });
    }
    const ids: string[] = [];
    for (let i = 0; i < 240; i++) {
      const target = replicas[i % 2] as ComposedReplica;
      const id = `lat-${i}`;
      ids.push(id);
      // Some requests in bursts, so the latencies spread over several buckets.
      const burst = i % 20 === 0 ? 8 : 1;
      await Promise.all(
        Array.from({ length: burst }, (_, j) => {
          const requestId = j === 0 ? id : `${id}-${j}`;
          if (j > 0) ids.push(requestId);
          return post(
            target.url,
            '/v1/models/lat:predict',
            { instances: [instance] },
            { 'x-request-id': requestId },
          );
        }),
      );
    }
    // Closing flushes the open minute's rollups and the log.
    for (const r of replicas) await r.close();

    const rows = await logRows(ids);
    expect(rows).toHaveLength(ids.length);
    const raw = rows.map((r) => r.latency_ms).sort((a, b) => a - b);
    const nearestRank = (q: number) => raw[Math.ceil(q * raw.length) - 1] as number;
    const result = await admin.metrics.compare.query({ model: 'lat', window: '15m' });
    const version = result.versions.find((v) => v.version === '1.0.0');
    expect(version?.requests).toBe(ids.length);
    const ratio = 2 ** (1 / 8);
    for (const [key, q] of [
      ['p50', 0.5],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const) {
      const estimate = version?.latencyMs?.[key] as number;
      expect(estimate / nearestRank(q), key).toBeLessThan(ratio);
      expect(nearestRank(q) / estimate, key).toBeLessThan(ratio);
    }
  }, 120_000);
});
