import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDataPlaneClient, type DataPlaneClient, DataPlaneError } from './data-plane.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, attempt: number) => void;

interface TinyServer {
  url: string;
  requests: Array<{ url: string; headers: IncomingMessage['headers']; body: string; port: number }>;
  close(): Promise<void>;
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function tinyServer(handler: Handler): Promise<TinyServer> {
  const requests: TinyServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers, body, port: req.socket.remotePort ?? 0 });
      handler(req, res, body, requests.length);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanup.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close };
}

function client(
  url: string,
  options: Partial<Parameters<typeof createDataPlaneClient>[0]> = {},
): DataPlaneClient {
  const c = createDataPlaneClient({ url, token: 'tok', ...options });
  cleanup.push(() => c.close());
  return c;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const ok = { predictions: [1], modelVersion: 'm@1.0.0', requestId: 'r1', cached: false };
const unavailable = {
  error: { code: 'UNAVAILABLE', message: 'version m@1.0.0 is loading', requestId: 'r0' },
};

async function failure(promise: Promise<unknown>): Promise<DataPlaneError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataPlaneError);
  return error as DataPlaneError;
}

describe('createDataPlaneClient', () => {
  it('sends the token, routing key and pin, and reuses one keep-alive connection', async () => {
    const server = await tinyServer((_req, res) => json(res, 200, ok));
    const c = client(server.url);
    const first = await c.predict('m', { instances: [[1, 2]], routingKey: 'user-1', version: '1.0.0' });
    for (let i = 0; i < 5; i++) await c.predict('m', { instances: [[3, 4]] });
    expect(first).toEqual(ok);
    const [a, b] = server.requests;
    expect(a).toMatchObject({ url: '/v1/models/m:predict', body: '{"instances":[[1,2]]}' });
    expect(a?.headers).toMatchObject({
      authorization: 'Bearer tok',
      'x-routing-key': 'user-1',
      'x-model-version': '1.0.0',
    });
    expect(b?.headers['x-model-version']).toBeUndefined();
    // Sequential calls share pooled sockets (undici may open a second while the first is released).
    expect(new Set(server.requests.map((r) => r.port)).size).toBeLessThanOrEqual(2);
  });

  it('retries once, after the Retry-After wait, on a 503 that carries Retry-After', async () => {
    const server = await tinyServer((_req, res, _body, attempt) =>
      attempt === 1 ? json(res, 503, unavailable, { 'retry-after': '1' }) : json(res, 200, ok),
    );
    const started = Date.now();
    expect(await client(server.url).predict('m', { instances: [1] })).toEqual(ok);
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('retries only once', async () => {
    const server = await tinyServer((_req, res) => json(res, 503, unavailable, { 'retry-after': '0' }));
    const error = await failure(client(server.url).predict('m', { instances: [1] }));
    expect(server.requests).toHaveLength(2);
    expect(error).toMatchObject({
      status: 503,
      code: 'UNAVAILABLE',
      message: 'version m@1.0.0 is loading',
      requestId: 'r0',
    });
    expect(error.retryAfterSeconds).toBe(0);
  });

  it.each([
    ['a 503 without Retry-After', 503, {}, {}],
    ['a 500', 500, { 'retry-after': '0' }, {}],
    ['a 429', 429, { 'retry-after': '0' }, {}],
    [
      'a Retry-After above maxRetryAfterMs',
      503,
      { 'retry-after': '3' },
      { retry: { maxRetryAfterMs: 2000 } },
    ],
    ['a disabled retry', 503, { 'retry-after': '0' }, { retry: false }],
  ])('does not retry %s', async (_name, status, headers, options) => {
    const server = await tinyServer((_req, res) => json(res, status, unavailable, headers));
    await failure(client(server.url, options).predict('m', { instances: [1] }));
    expect(server.requests).toHaveLength(1);
  });

  it('times out a call that gets no answer', async () => {
    const server = await tinyServer(() => {});
    const started = Date.now();
    const error = await failure(client(server.url, { timeoutMs: 300 }).predict('m', { instances: [1] }));
    expect(error).toMatchObject({ status: 0, code: 'DEADLINE_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives one call its own deadline and tells the server about it', async () => {
    const server = await tinyServer(() => {});
    const c = client(server.url, { timeoutMs: 60_000 });
    const started = Date.now();
    const error = await failure(c.predict('m', { instances: [1], timeoutMs: 250 }));
    expect(error).toMatchObject({
      status: 0,
      code: 'DEADLINE_EXCEEDED',
      message: expect.stringMatching(/250 ms/),
    });
    // Well short of the client's own 60 s budget.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.requests[0]?.headers['x-request-timeout-ms']).toBe('250');
    expect(server.requests[0]?.body).toBe(JSON.stringify({ instances: [1] }));
  });

  it('sends feedback and reads the full-buffer 503 as a typed error', async () => {
    const server = await tinyServer((_req, res, body, attempt) =>
      attempt === 1
        ? json(res, 202, { accepted: true, requestId: JSON.parse(body).requestId })
        : json(
            res,
            503,
            { error: { code: 'UNAVAILABLE', message: 'the feedback buffer is full', requestId: 'f2' } },
            {
              'retry-after': '30',
            },
          ),
    );
    const c = client(server.url);
    expect(await c.feedback({ requestId: 'r1', outcome: 12.5, model: 'm' })).toEqual({
      accepted: true,
      requestId: 'r1',
    });
    expect(server.requests[0]).toMatchObject({
      url: '/v1/feedback',
      body: JSON.stringify({ requestId: 'r1', outcome: 12.5, model: 'm' }),
    });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tok');
    const error = await failure(c.feedback({ requestId: 'r2', outcome: true }));
    expect(error).toMatchObject({ status: 503, code: 'UNAVAILABLE', requestId: 'f2', retryAfterSeconds: 30 });
  });

  it('reports a refused connection as UNAVAILABLE with status 0', async () => {
    const server = await tinyServer(() => {});
    await server.close();
    const error = await failure(client(server.url, { timeoutMs: 2000 }).predict('m', { instances: [1] }));
    expect(error).toMatchObject({ status: 0, code: 'UNAVAILABLE' });
  });

  it('infers over OIP and reads its error shape', async () => {
    const response = { model_name: 'm', model_version: '2.0.0', id: 'x', outputs: [] };
    const server = await tinyServer((req, res) =>
      req.url?.includes('/versions/')
        ? json(res, 200, response)
        : json(res, 404, { error: 'NOT_FOUND: model "m" not found' }, { 'x-request-id': 'rid-9' }),
    );
    const c = client(server.url);
    const body = { inputs: [{ name: 'x', shape: [1], datatype: 'FP32' as const, data: [1] }] };
    expect(await c.infer('m', body, { version: '2.0.0' })).toEqual(response);
    expect(server.requests[0]?.url).toBe('/v2/models/m/versions/2.0.0/infer');
    const error = await failure(c.infer('m', body));
    expect(error).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      message: 'model "m" not found',
      requestId: 'rid-9',
    });
  });

  it('rejects a success body of the wrong shape', async () => {
    const server = await tinyServer((_req, res) => json(res, 200, { hello: 'world' }));
    const error = await failure(client(server.url).predict('m', { instances: [1] }));
    expect(error).toMatchObject({ status: 200, code: 'INTERNAL' });
  });
});
