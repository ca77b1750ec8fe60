import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactRoutes } from '../src/routes/artifacts.ts';
import { ADMIN_TOKEN, type Harness, startControlPlane } from './harness.ts';

let cp: Harness;
const tokens: Record<string, string | null> = { none: null, admin: ADMIN_TOKEN };

beforeAll(async () => {
  cp = await startControlPlane();
  for (const role of ['predict', 'viewer', 'operator'] as const) {
    tokens[role] = (await cp.admin.tokens.create.mutate({ name: role, role })).token;
  }
  const revoked = await cp.admin.tokens.create.mutate({ name: 'revoked', role: 'admin' });
  await cp.admin.tokens.revoke.mutate({ id: revoked.id });
  tokens.revoked = revoked.token;
});
afterAll(async () => {
  await cp?.close();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function put(bytes: Uint8Array, as: string, headers: Record<string, string> = {}) {
  const token = tokens[as];
  return fetch(`${cp.url}/artifacts`, {
    method: 'PUT',
    body: bytes,
    headers: {
      'content-type': 'application/octet-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
  });
}

function get(digest: string, as: string) {
  const token = tokens[as];
  return fetch(`${cp.url}/artifacts/${digest}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

describe('PUT /artifacts authorization', () => {
  it.each([
    ['none', 401, 'UNAUTHORIZED'],
    ['revoked', 401, 'UNAUTHORIZED'],
    ['predict', 403, 'FORBIDDEN'],
    ['viewer', 403, 'FORBIDDEN'],
  ])('as %s is refused with %i and stores nothing', async (as, status, code) => {
    const bytes = new Uint8Array(randomBytes(64));
    const response = await put(bytes, as);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } });
    const rows = await cp.deps.db
      .selectFrom('artifacts')
      .select('digest')
      .where('digest', '=', sha256(bytes))
      .execute();
    expect(rows).toHaveLength(0);
  });

  it.each(['operator', 'admin'])('as %s stores the bytes under their sha256', async (as) => {
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    const digest = sha256(bytes);
    const response = await put(bytes, as, { 'x-artifact-sha256': digest });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({
      uri: `artifact://${digest}`,
      sha256: digest,
      sizeBytes: bytes.length,
    });
    const again = await put(bytes, as);
    expect(again.status).toBe(200);
    const audit = await cp.admin.audit.list.query({ target: `artifact://${digest}` });
    expect(audit.map((a) => a.action)).toEqual(['artifacts.upload', 'artifacts.upload']);
  });
});

describe('PUT /artifacts validation', () => {
  it('refuses a body whose x-artifact-sha256 does not match, naming the real digest', async () => {
    const bytes = new Uint8Array(randomBytes(100));
    const response = await put(bytes, 'operator', { 'x-artifact-sha256': 'a'.repeat(64) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.message).toContain(sha256(bytes));
    expect(await get(sha256(bytes), 'viewer').then((r) => r.status)).toBe(404);
  });

  it.each([
    ['a JSON body', { 'content-type': 'application/json' }, '{"a":1}', 415],
    ['an empty body', {}, new Uint8Array(0), 400],
  ])('refuses %s', async (_label, headers, body, status) => {
    const response = await fetch(`${cp.url}/artifacts`, {
      method: 'PUT',
      body,
      headers: {
        'content-type': 'application/octet-stream',
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...headers,
      },
    });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toMatch(/^[A-Z_]+$/);
  });

  it('refuses bodies over the configured limit with 413', async () => {
    const app = Fastify();
    await app.register(artifactRoutes, { deps: cp.deps, maxBytes: 1024 });
    const response = await app.inject({
      method: 'PUT',
      url: '/artifacts',
      payload: Buffer.alloc(2048),
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: 'artifact exceeds the 1024-byte limit' },
    });
    await app.close();
  });
});

describe('PUT /artifacts streaming', () => {
  it('answers 413 to a chunked body (no content-length) that passes the limit while it streams', async () => {
    const app = Fastify();
    await app.register(artifactRoutes, { deps: cp.deps, maxBytes: 64 * 1024 });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const bytes = new Uint8Array(randomBytes(256 * 1024));
      const status = await new Promise<number>((resolve, reject) => {
        const request = httpRequest(`${url}/artifacts`, {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        request.on('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        for (let at = 0; at < bytes.length; at += 16 * 1024)
          request.write(bytes.subarray(at, at + 16 * 1024));
        request.end();
      });
      expect(status).toBe(413);
      expect(await get(sha256(bytes), 'viewer').then((r) => r.status)).toBe(404);
    } finally {
      await app.close();
    }
  });
});

describe('GET /artifacts/:sha256', () => {
  it('streams the stored bytes back to a viewer', async () => {
    const bytes = new Uint8Array(randomBytes(2 * 1024 * 1024 + 5));
    const { sha256: digest } = (await (await put(bytes, 'operator')).json()) as { sha256: string };
    const response = await get(digest, 'viewer');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-artifact-sha256')).toBe(digest);
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    const back = new Uint8Array(await response.arrayBuffer());
    expect(sha256(back)).toBe(sha256(bytes));
  });

  it.each([
    ['none', 'f'.repeat(64), 401],
    ['predict', 'f'.repeat(64), 403],
    ['viewer', 'f'.repeat(64), 404],
    ['viewer', 'not-a-digest', 400],
  ])('as %s for %s answers %i', async (as, digest, status) => {
    const response = await get(digest, as);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({
      error: { code: expect.any(String), message: expect.any(String) },
    });
  });
});
