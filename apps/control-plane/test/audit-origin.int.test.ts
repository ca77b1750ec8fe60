import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { ADMIN_TOKEN, type Harness, startControlPlane } from './harness.ts';

// Audit rows name the request that made the change and where it came from, over real HTTP.
let direct: Harness;
let behindProxy: Harness;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1'];

beforeAll(async () => {
  direct = await startControlPlane();
  behindProxy = await startControlPlane({ TRUSTED_PROXIES: '127.0.0.0/8, ::ffff:127.0.0.1' });
});
afterAll(async () => {
  await direct?.close();
  await behindProxy?.close();
});

/** A tRPC mutation as any HTTP client sends it, with extra headers. */
async function createModel(cp: Harness, name: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${cp.url}/trpc/models.create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
    body: JSON.stringify({ name }),
  });
  expect(response.status).toBe(200);
  return response.headers.get('x-request-id');
}

async function auditOf(cp: Harness, target: string) {
  const [entry] = await cp.admin.audit.list.query({ target, limit: 1 });
  if (!entry) throw new Error(`no audit row for ${target}`);
  return entry;
}

describe('audit rows carry the request id and source address', () => {
  it('records the id returned as x-request-id and the socket peer', async () => {
    const requestId = await createModel(direct, 'origin-a');
    expect(requestId).toMatch(UUID);
    const entry = await auditOf(direct, 'origin-a');
    expect(entry.requestId).toBe(requestId);
    expect(LOOPBACK).toContain(entry.sourceAddress);
  });

  it('mints its own id: a caller-sent x-request-id is neither echoed nor recorded', async () => {
    const requestId = await createModel(direct, 'origin-b', { 'x-request-id': 'caller-chosen' });
    expect(requestId).toMatch(UUID);
    expect((await auditOf(direct, 'origin-b')).requestId).toBe(requestId);
  });

  it('gives every request its own id', async () => {
    const ids = new Set([await createModel(direct, 'origin-c'), await createModel(direct, 'origin-d')]);
    expect(ids.size).toBe(2);
  });

  it('ignores X-Forwarded-For from a peer not in TRUSTED_PROXIES', async () => {
    await createModel(direct, 'origin-e', { 'x-forwarded-for': '203.0.113.9' });
    expect(LOOPBACK).toContain((await auditOf(direct, 'origin-e')).sourceAddress);
  });

  it('takes the client from X-Forwarded-For when the peer is a trusted proxy', async () => {
    await createModel(behindProxy, 'origin-f', { 'x-forwarded-for': '203.0.113.9' });
    expect((await auditOf(behindProxy, 'origin-f')).sourceAddress).toBe('203.0.113.9');
    // Entries a client prepends itself sit left of the trusted hops and do not count.
    await createModel(behindProxy, 'origin-g', { 'x-forwarded-for': '198.51.100.1, 203.0.113.10' });
    expect((await auditOf(behindProxy, 'origin-g')).sourceAddress).toBe('203.0.113.10');
  });

  it('records origin for artifact uploads too', async () => {
    const response = await fetch(`${direct.url}/artifacts`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: Buffer.from('not really a model'),
    });
    expect(response.status).toBe(201);
    const { uri } = (await response.json()) as { uri: string };
    const entry = await auditOf(direct, uri);
    expect(entry.requestId).toBe(response.headers.get('x-request-id'));
    expect(LOOPBACK).toContain(entry.sourceAddress);
  });
});

describe('TRUSTED_PROXIES', () => {
  it.each(['10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/1', '::1/129'])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => parseConfig({ TRUSTED_PROXIES: value })).toThrow(
        /TRUSTED_PROXIES: .* is not an IP address or CIDR range/,
      );
    },
  );

  it('accepts addresses and CIDR ranges of both families', () => {
    expect(parseConfig({ TRUSTED_PROXIES: '10.0.0.7, 10.0.0.0/8,::1,fd00::/8' }).TRUSTED_PROXIES).toEqual([
      '10.0.0.7',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
    ]);
  });
});
