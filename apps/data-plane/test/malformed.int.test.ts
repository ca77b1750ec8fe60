import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Case, good, goodTensor, recs, V1, V2, v1Cases, v2Cases } from './malformed-corpus.ts';
import { type Replica, registerDemo, type Stack, startStack } from './stack.ts';

// A corpus of malformed requests against both protocols: each gets its 4xx and the protocol's
// error body, nothing reaches a 5xx, Object.prototype is untouched and the replica keeps serving.

let stack: Stack;
let replica: Replica;
let token: string;
const json = (value: unknown) => JSON.stringify(value);

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

async function send(path: string, c: Case) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
  const response = await fetch(`${replica.url}${path}`, { method: 'POST', headers, body: c.body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

describe.each([
  ['/v1 (TF Serving)', V1, v1Cases],
  ['/v2 (Open Inference Protocol)', V2, v2Cases],
] as const)('malformed requests on %s', (_label, path, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))(
    'answers %s with its 4xx and error body',
    async (_name, c) => {
      const res = await send(path, c);
      expect(res.status).toBe(c.status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = JSON.parse(res.text);
      expect(Object.keys(body)).toEqual(['error']);
      if (path === V1) {
        expect(body.error).toMatchObject({ code: c.code, requestId: res.headers.get('x-request-id') });
        if (c.message) expect(body.error.message).toMatch(c.message);
        if (c.code === 'INVALID_INPUT') {
          expect(body.error.details.length).toBeGreaterThan(0);
          for (const d of body.error.details) expect(Object.keys(d).sort()).toEqual(['message', 'path']);
        }
      } else {
        expect(typeof body.error).toBe('string');
        expect(body.error.startsWith(`${c.code}: `)).toBe(true);
        if (c.message) expect(body.error.slice(c.code.length + 2)).toMatch(c.message);
      }
    },
  );
});

describe('after the corpus', () => {
  it('left Object.prototype as it was, and the replica serves both protocols', async () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const v1 = await send(V1, { name: 'ok', body: json({ instances: [good] }), status: 200, code: '' });
    const v2 = await send(V2, { name: 'ok', body: json({ inputs: [goodTensor] }), status: 200, code: '' });
    expect([v1.status, v2.status]).toEqual([200, 200]);
    expect((await fetch(`${replica.url}/livez`)).status).toBe(200);
  });

  it('names every failing field in one answer', async () => {
    const body = json({
      instances: [
        { ...good, affinity_home: 7, cart_items: -1 },
        { ...good, colour: 1 },
      ],
    });
    const res = JSON.parse((await send(V1, { name: '', body, status: 400, code: '' })).text);
    expect(res.error.details).toEqual([
      { path: 'instances[0].cart_items', message: 'must be >= 0, got -1' },
      { path: 'instances[0].affinity_home', message: 'must be <= 1, got 7' },
      { path: 'instances[1].colour', message: 'unknown feature' },
    ]);
  });
});
