import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBatchOneModel } from './failing-model.ts';
import { demo, type Replica, registerDemo, type Stack, startStack } from './stack.ts';

let stack: Stack;
let replica: Replica;
let token: string;
let dir: string;

const recs = demo('recs', '1.0.0');
const instance = Object.fromEntries((recs.featureOrder ?? []).map((f, i) => [f, i % 2]));

beforeAll(async () => {
  stack = await startStack();
  dir = await mkdtemp(join(tmpdir(), 'mp-dp-errors-'));
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'recs' });
  await registerDemo(admin, recs);
  // Registered with a digest the file does not have: it can never become ready.
  await registerDemo(admin, recs, '4.0.0', { sha256: '0'.repeat(64) });
  await admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '1.0.0', weight: 10000 }] });
  await admin.models.create.mutate({ name: 'idle' });
  await registerDemo(admin, recs, '1.0.0', { model: 'idle' });
  const fragile = await writeBatchOneModel(join(dir, 'batch-one.onnx'));
  await admin.models.create.mutate({ name: 'fragile' });
  await admin.versions.register.mutate({
    model: 'fragile',
    version: '1.0.0',
    backend: { kind: 'onnx' },
    artifact: { uri: pathToFileURL(fragile.path).href, sha256: fragile.sha256 },
  });
  await admin.traffic.set.mutate({ model: 'fragile', weights: [{ version: '1.0.0', weight: 10000 }] });
  token = (await admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  replica = await stack.startReplica();
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Call {
  path?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  auth?: string | null;
}

async function send(call: Call) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...call.headers };
  const auth = call.auth === undefined ? token : call.auth;
  if (auth !== null) headers.authorization = `Bearer ${auth}`;
  const response = await fetch(`${replica.url}${call.path ?? '/v1/models/recs:predict'}`, {
    method: 'POST',
    headers,
    body: call.raw ?? JSON.stringify(call.body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: each test asserts the parts of the body it cares about.
  const json = (await response.json()) as any;
  return { status: response.status, headers: response.headers, body: json };
}

const rows = (n: number) => Array.from({ length: n }, () => Array.from({ length: 8 }, (_, i) => i / 10));

describe('errors on /v1', () => {
  const cases: Array<[string, Call, number, string, RegExp, string | null]> = [
    [
      'an unknown model',
      { path: '/v1/models/nope:predict', body: { instances: [instance] } },
      404,
      'NOT_FOUND',
      /^model "nope" not found$/,
      null,
    ],
    [
      'an unknown pinned version',
      { body: { instances: [instance] }, headers: { 'x-model-version': '9.9.9' } },
      404,
      'NOT_FOUND',
      /^version recs@9\.9\.9 not found$/,
      null,
    ],
    [
      'a pin naming another model',
      { body: { instances: [instance] }, headers: { 'x-model-version': 'other@1.0.0' } },
      400,
      'BAD_REQUEST',
      /other@1\.0\.0 does not belong to model "recs"/,
      null,
    ],
    [
      'a model with no traffic',
      { path: '/v1/models/idle:predict', body: { instances: [instance] } },
      503,
      'UNAVAILABLE',
      /^model "idle" has no traffic configured$/,
      'retry',
    ],
    [
      'a version that failed to load',
      { body: { instances: [instance] }, headers: { 'x-model-version': '4.0.0' } },
      503,
      'VERSION_LOAD_FAILED',
      /^version recs@4\.0\.0 failed to load: its artifact failed sha256 verification \(registered sha256 0{64}\)$/,
      'retry',
    ],
    [
      'an over-long routing key',
      { body: { instances: [instance] }, headers: { 'x-routing-key': 'k'.repeat(300) } },
      400,
      'BAD_REQUEST',
      /^x-routing-key: at most 256 characters$/,
      null,
    ],
    ['malformed JSON', { raw: '{"instances": [' }, 400, 'BAD_REQUEST', /not valid JSON/, null],
    ['a non-object body', { raw: '[1, 2]' }, 400, 'BAD_REQUEST', /must be a JSON object/, null],
    [
      'a non-JSON content type',
      { raw: 'instances=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /application\/json/,
      null,
    ],
    [
      'both instances and inputs',
      { body: { instances: [instance], inputs: {} } },
      400,
      'INVALID_INPUT',
      /exactly one of "instances"/,
      null,
    ],
    ['an unknown body field', { body: { instance: [instance] } }, 400, 'INVALID_INPUT', /instance/, null],
    [
      'a wrong feature name',
      { body: { instances: [{ ...instance, colour: 1 }] } },
      400,
      'INVALID_INPUT',
      /^instances\[0\]\.colour: unknown feature$/,
      null,
    ],
    [
      'a missing feature',
      { body: { instances: [instance, { days_since_signup: 1 }] } },
      400,
      'INVALID_INPUT',
      /^instances\[1\]: missing features sessions_30d, /,
      null,
    ],
    [
      'a non-number feature',
      { body: { instances: [{ ...instance, cart_items: 'three' }] } },
      400,
      'INVALID_INPUT',
      /^instances\[0\]\.cart_items: expected a number, got a string$/,
      null,
    ],
    [
      'a tensor of the wrong length',
      { body: { inputs: { features: [[1, 2, 3]] } } },
      400,
      'INVALID_INPUT',
      /^inputs\.features: shape \[1, 3\] does not match input "features" \[-1, 8\]$/,
      null,
    ],
    [
      'an inference failure',
      { path: '/v1/models/fragile:predict', body: { instances: rows(2) } },
      500,
      'INTERNAL',
      /^inference failed$/,
      null,
    ],
    [
      'an unknown route',
      { path: '/v1/models/recs:classify', body: { instances: [instance] } },
      404,
      'NOT_FOUND',
      /^no route for POST \/v1\/models\/recs:classify$/,
      null,
    ],
    [
      'no token',
      { body: { instances: [instance] }, auth: null },
      401,
      'UNAUTHORIZED',
      /^missing bearer token$/,
      null,
    ],
    [
      'an unknown token',
      { body: { instances: [instance] }, auth: 'not-a-real-token' },
      401,
      'UNAUTHORIZED',
      /^invalid or revoked token$/,
      null,
    ],
  ];

  it.each(cases)('answers %s', async (_name, call, status, code, message, retry) => {
    const res = await send(call);
    expect(res.status).toBe(status);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    if (retry) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(res.body)).not.toMatch(/\bat .+:\d+:\d+|onnxruntime|Reshape/);
  });

  it('serves the same model for one row: the failure above is the runtime, not the route', async () => {
    const res = await send({ path: '/v1/models/fragile:predict', body: { instances: rows(1) } });
    expect(res.status).toBe(200);
    expect(res.body.predictions).toEqual([
      [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7].map((v) => expect.closeTo(v, 6)),
    ]);
  });

  it('answers a body over MAX_BODY_BYTES with 413', async () => {
    const big = { instances: Array.from({ length: 9000 }, () => instance) };
    expect(JSON.stringify(big).length).toBeGreaterThan(1024 * 1024);
    const res = await send({ body: big });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'request body exceeds 1048576 bytes',
    });
  });

  it('stops accepting a token once it is revoked', async () => {
    const created = await stack.admin.tokens.create.mutate({ name: 'short-lived', role: 'predict' });
    await waitFor(
      async () => (await send({ body: { instances: [instance] }, auth: created.token })).status === 200,
      {
        timeoutMs: 10_000,
        message: 'the new token to be accepted',
      },
    );
    await stack.admin.tokens.revoke.mutate({ id: created.id });
    const res = await waitFor(
      async () => {
        const r = await send({ body: { instances: [instance] }, auth: created.token });
        return r.status === 401 ? r : null;
      },
      { timeoutMs: 10_000, message: 'the revoked token to be refused' },
    );
    expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'invalid or revoked token' });
    expect((await send({ body: { instances: [instance] } })).status).toBe(200);
  });

  it('does not accept tokens of other roles for predict', async () => {
    const viewer = await stack.admin.tokens.create.mutate({ name: 'viewer', role: 'viewer' });
    expect((await send({ body: { instances: [instance] }, auth: viewer.token })).status).toBe(401);
  });
});

describe('health', () => {
  it('answers health routes without a token', async () => {
    for (const path of ['/livez', '/readyz', '/v2/health/live', '/v2/health/ready', '/v2']) {
      expect((await fetch(`${replica.url}${path}`)).status, path).toBe(200);
    }
  });

  it('is live before the routing snapshot loads, and ready only after', async () => {
    const late = await stack.startReplica({ start: false });
    expect((await fetch(`${late.url}/livez`)).status).toBe(200);
    const notReady = await fetch(`${late.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, snapshotLoaded: false });
    expect((await fetch(`${late.url}/v2/health/ready`)).status).toBe(503);
    const predict = await fetch(`${late.url}/v1/models/recs:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ instances: [instance] }),
    });
    expect(predict.status).toBe(503);
    expect(predict.headers.get('retry-after')).toBe('1');
    await late.routing.start();
    const ready = await fetch(`${late.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, snapshotLoaded: true, notReady: [] });
  });
});
