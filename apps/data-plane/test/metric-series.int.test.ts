import { randomUUID } from 'node:crypto';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { good, goodTensor, recs } from './malformed-corpus.ts';
import { type Replica, registerDemo, type Stack, startStack } from './stack.ts';

// Model and version names come from the request path; a caller sending random ones must not be
// able to grow /metrics (and the replica's memory) one series per name.

let stack: Stack;
let replica: Replica;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  await stack.admin.models.create.mutate({ name: 'recs', cache: { enabled: true, ttlSeconds: 300 } });
  await registerDemo(stack.admin, recs);
  await stack.admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '2.0.0', weight: 10000 }] });
  token = (await stack.admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  replica = await stack.startReplica();
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

/** Every route that carries a model (or version) name, with a name the routing table does not hold. */
function hostile(i: number): { url: string; body: unknown; headers?: Record<string, string> } {
  const name = `m-${randomUUID()}`;
  switch (i % 6) {
    case 0:
      return { url: `/v1/models/${name}:predict`, body: { instances: [good] } };
    case 1:
      return { url: `/v1/models/${name}/versions/1.0.0:predict`, body: { instances: [good] } };
    case 2:
      return { url: `/v2/models/${name}/infer`, body: { inputs: [goodTensor] } };
    case 3:
      return { url: `/v2/models/${name}/versions/${randomUUID()}/infer`, body: { inputs: [goodTensor] } };
    case 4:
      // A known model, an unknown pinned version (path or header).
      return {
        url: '/v1/models/recs:predict',
        body: { instances: [good] },
        headers: { 'x-model-version': randomUUID() },
      };
    default:
      return { url: '/v1/feedback', body: { requestId: randomUUID(), outcome: true, model: name } };
  }
}

async function send(i: number): Promise<number> {
  const request = hostile(i);
  const response = await replica.app.inject({
    method: 'POST',
    url: request.url,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...request.headers },
    payload: JSON.stringify(request.body),
  });
  return response.statusCode;
}

async function series(): Promise<string[]> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

/** A series' name and labels, without its value. */
const seriesKey = (line: string) => line.slice(0, line.lastIndexOf(' '));

describe('metric labels', () => {
  it('counts 10,000 unknown model and version names under "unknown" without adding series', async () => {
    // A served prediction: the known model's own series exist and keep their names.
    const ok = await replica.app.inject({
      method: 'POST',
      url: '/v1/models/recs:predict',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify({ instances: [good] }),
    });
    expect(ok.statusCode).toBe(200);
    // One of each kind first, so the single "unknown" series and the response counters exist.
    for (let i = 0; i < 6; i++) await send(i);
    await series();
    const before = await series();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const status = await send(i);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    // Feedback (a sixth) gets 503 here (this replica keeps no database); every other one a 404.
    expect(Object.fromEntries(statuses)).toEqual({ 404: 8334, 503: 1666 });
    const after = await series();
    expect(after.map(seriesKey)).toEqual(before.map(seriesKey));
    expect(after.filter((line) => line.includes('m-'))).toEqual([]);
    const unknown = (line: string) =>
      line.startsWith('modelplane_predictions_total{model="unknown",version="unknown"');
    expect(after.filter(unknown)).toEqual([
      'modelplane_predictions_total{model="unknown",version="unknown",outcome="client_error",served_from="none"} 6672',
    ]);
    // The known model with an unknown pinned version: its own name, no assigned version.
    expect(after).toContain(
      'modelplane_predictions_total{model="recs",version="",outcome="client_error",served_from="none"} 1667',
    );
    expect(after).toContain(
      'modelplane_predictions_total{model="recs",version="recs@2.0.0",outcome="success",served_from="backend"} 1',
    );
  }, 120_000);
});
