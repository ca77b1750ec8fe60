import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWKWARD_TEXT_BODIES, good, recs, V1 } from './malformed-corpus.ts';
import { registerDemo, type Stack, startStack } from './stack.ts';
import { type ComposedReplica, startComposedReplica } from './telemetry-replica.ts';

// Payload logging with bodies a careless or hostile client sends: text Postgres's jsonb refuses as
// written (lone surrogates, NUL) must not stop the log, and payloads count at their real size.

let stack: Stack;
let replica: ComposedReplica;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  await stack.admin.models.create.mutate({ name: 'recs' });
  await registerDemo(stack.admin, recs);
  await stack.admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '2.0.0', weight: 10000 }] });
  await stack.admin.metrics.payloadLogging.set.mutate({ model: 'recs', enabled: true, sampleRate: 1 });
  token = (await stack.admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  replica = await startComposedReplica(stack.databaseUrl, stack.prefix, 'payloads-a', {
    predictionLog: { flushIntervalMs: 100 },
    payloadRefreshMs: 100,
  });
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
}, 90_000);

afterAll(async () => {
  await replica?.close();
  await stack?.close();
});

async function post(
  url: string,
  body: string | ReadableStream<Uint8Array>,
  path: string = V1,
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
    ...(typeof body !== 'string' && { duplex: 'half' }),
  } as RequestInit);
}

async function loggedInputs(ids: string[]): Promise<Map<string, unknown>> {
  const rows = await stack.database.db
    .selectFrom('prediction_log')
    .select(['request_id', 'payload'])
    .where('request_id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.request_id, (row.payload as { input?: unknown } | null)?.input]));
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.slice(name.length + 1));
}

describe('payload logging of awkward text', () => {
  it('stores each body with its strings made well-formed, and keeps logging after them', async () => {
    // Payload settings are re-read every 100 ms: wait until a request is logged with its payload.
    await waitFor(async () => {
      const id = (await post(replica.url, '{"instances":[1]}')).headers.get('x-request-id') ?? '';
      await new Promise((resolve) => setTimeout(resolve, 300));
      return (await loggedInputs([id])).get(id) !== undefined;
    });
    const ids: string[] = [];
    for (const c of AWKWARD_TEXT_BODIES) {
      const response = await post(replica.url, c.body);
      expect(response.status, c.name).toBe(400);
      ids.push(response.headers.get('x-request-id') ?? '');
    }
    const after = await post(replica.url, JSON.stringify({ instances: [good] }));
    expect(after.status).toBe(200);
    const all = [...ids, after.headers.get('x-request-id') ?? ''];
    const inputs = await waitFor(async () => {
      const found = await loggedInputs(all);
      return found.size === all.length && found;
    });
    AWKWARD_TEXT_BODIES.forEach((c, i) => {
      expect(inputs.get(ids[i] as string), c.name).toEqual(c.stored);
    });
    expect(inputs.get(all.at(-1) as string)).toEqual({ instances: [good] });
    expect(await metric(replica.url, 'modelplane_prediction_log_quarantined_total')).toBe(0);
  });
});

describe('payload logging of repeats answered from the memo', () => {
  it('stores the input of a repeat whose body the route never had to parse', async () => {
    await stack.admin.models.create.mutate({ name: 'recs-memo', cache: { enabled: true, ttlSeconds: 300 } });
    await registerDemo(stack.admin, recs, recs.version, { model: 'recs-memo' });
    await stack.admin.traffic.set.mutate({
      model: 'recs-memo',
      weights: [{ version: '2.0.0', weight: 10000 }],
    });
    await stack.admin.metrics.payloadLogging.set.mutate({ model: 'recs-memo', enabled: true, sampleRate: 1 });
    const body = { routingKey: 'user-7', instances: [good] };
    const send = () => post(replica.url, JSON.stringify(body), '/v1/models/recs-memo:predict');
    // Until the routing and the payload setting have reached the replica, a row may lack its payload.
    await waitFor(async () => {
      const response = await send();
      if (response.status !== 200) return false;
      const id = response.headers.get('x-request-id') ?? '';
      await new Promise((resolve) => setTimeout(resolve, 300));
      return (await loggedInputs([id])).get(id) !== undefined;
    });
    const repeats = [await send(), await send(), await send()];
    expect(repeats.map((r) => r.headers.get('x-cache'))).toEqual(['hit-memory', 'hit-memory', 'hit-memory']);
    const ids = repeats.map((r) => r.headers.get('x-request-id') ?? '');
    const inputs = await waitFor(async () => {
      const found = await loggedInputs(ids);
      return found.size === ids.length && found;
    });
    for (const id of ids) expect(inputs.get(id)).toEqual(body);
  });
});

describe('payload size accounting', () => {
  it('drops the oldest rows once a few large chunked bodies fill the byte bound', async () => {
    // Never flushes during the test: the buffer only fills.
    const maxBytes = 256 * 1024;
    const held = await startComposedReplica(stack.databaseUrl, stack.prefix, 'payloads-b', {
      predictionLog: { maxBytes, flushIntervalMs: 600_000 },
      payloadRefreshMs: 100,
    });
    try {
      await waitFor(async () => (await fetch(`${held.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
      // Settings load 100 ms after start; a small logged failure marks when they have.
      await waitFor(async () => {
        await post(held.url, '{"instances":[1]}');
        return (await metric(held.url, 'modelplane_prediction_log_buffered_bytes')) > 1000;
      });
      // ~50 KB of UTF-8 each, sent chunked: no content-length announces the size.
      const body = JSON.stringify({ instances: [{ note: 'é'.repeat(25_000) }] });
      for (let i = 0; i < 10; i++) {
        const chunked = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(body));
            controller.close();
          },
        });
        expect((await post(held.url, chunked)).status).toBe(400);
      }
      // Five ~50 KB rows fit under 256 KiB: at least five of the eleven rows were dropped (counted
      // once each response's hook has run, just after the response).
      await waitFor(async () => (await metric(held.url, 'modelplane_prediction_log_dropped_total')) >= 5, {
        message: 'the byte bound to drop rows',
      });
      const bytes = await metric(held.url, 'modelplane_prediction_log_buffered_bytes');
      expect(bytes).toBeLessThanOrEqual(maxBytes);
      expect(bytes).toBeGreaterThan(4 * 50_000);
    } finally {
      await held.close();
    }
  });
});
