import { createMemoryBus } from '@modelplane/bus';
import { createDb, type Database, hashToken } from '@modelplane/db';
import { createTestDatabase, startTcpProxy, type TcpProxy, type TestDatabase } from '@modelplane/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import type { Deps } from '../src/deps.ts';
import { buildServer } from '../src/server.ts';
import { ADMIN_TOKEN } from './harness.ts';

// A Postgres outage seen through a proxy we cut: callers must get a generic error, never the driver's
// message (addresses, ports, "Connection terminated") or a stack; the detail belongs in the log.
let testDb: TestDatabase;
let proxy: TcpProxy;
let database: Database;
let app: FastifyInstance;
let url: string;
let apiToken: string;
const logged: { obj: object; msg?: string }[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  const target = new URL(testDb.connectionString);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const connectionString = proxy.rewriteUrl(testDb.connectionString);
  database = await createDb({ kind: 'postgres', connectionString, statementTimeoutMs: 5000 });
  const config = parseConfig({ DATABASE_URL: connectionString, MODELPLANE_ADMIN_TOKEN: ADMIN_TOKEN });
  const record = (obj: object, msg?: string) => logged.push({ obj, msg });
  const deps: Deps = {
    config,
    db: database.db,
    bus: createMemoryBus(),
    logger: { info() {}, warn: record, error: record },
    bootstrapTokenHash: hashToken(ADMIN_TOKEN),
  };
  app = await buildServer(deps);
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  const created = await call('tokens.create', 'POST', ADMIN_TOKEN, { name: 'reader', role: 'viewer' });
  apiToken = (created.body as { result: { data: { token: string } } }).result.data.token;
});

afterAll(async () => {
  await app?.close();
  await database?.close();
  await proxy?.close();
  await testDb?.drop();
});

async function call(
  path: string,
  method: 'GET' | 'POST',
  token: string | null,
  input?: unknown,
): Promise<{ status: number; text: string; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const query =
    method === 'GET' && input !== undefined ? `?input=${encodeURIComponent(JSON.stringify(input))}` : '';
  const response = await fetch(`${url}/trpc/${path}${query}`, {
    method,
    headers,
    ...(method === 'POST' && { body: JSON.stringify(input ?? {}) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}

describe('while Postgres is unreachable', () => {
  // Anyone can send a bearer token that looks real: it is looked up in Postgres like a real one.
  const FORGED = 'mpt_0123456789ab_forgedforgedforgedforgedforgedforged000';
  it.each([
    ['an anonymous caller with a made-up token', () => FORGED, 503],
    ['a caller with an API token (looked up in Postgres)', () => apiToken, 503],
    ['the bootstrap admin (no lookup; the procedure itself fails)', () => ADMIN_TOKEN, 500],
  ])('%s gets a generic error with no driver detail', async (_label, token, expected) => {
    expect((await call('models.list', 'GET', token())).status).toBeLessThan(500);
    proxy.cut();
    try {
      const before = logged.length;
      const { status, text, body } = await call('models.list', 'GET', token());
      expect(status).toBe(expected);
      const error = (body as { error: { message: string; data: Record<string, unknown> } }).error;
      expect(error.message).toBe(
        expected === 503 ? 'service unavailable; try again shortly' : 'internal error',
      );
      expect(error.data).not.toHaveProperty('stack');
      for (const leak of [
        '127.0.0.1',
        String(proxy.port),
        'ECONN',
        'onnection',
        'terminated',
        'postgres',
        '    at ',
      ]) {
        expect(text).not.toContain(leak);
      }
      // The operator still sees what went wrong.
      expect(logged.length).toBeGreaterThan(before);
    } finally {
      proxy.restore();
    }
  });

  it('a caller with no token is told 401, as always (nothing to look up)', async () => {
    proxy.cut();
    try {
      const { status, text } = await call('models.list', 'GET', null);
      expect(status).toBe(401);
      expect(text).toContain('a valid bearer token is required');
    } finally {
      proxy.restore();
    }
  });
});
