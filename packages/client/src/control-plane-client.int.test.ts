import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describeClientError } from './client-error.ts';
import { createControlPlaneClient } from './control-plane-client.ts';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A stand-in control plane on a random port; `handle` answers (or ignores) each request. */
async function serve(handle: (req: IncomingMessage, reply: (status: number, body: unknown) => void) => void) {
  server = createServer((req, res) => {
    handle(req, (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failure(promise: Promise<unknown>) {
  return describeClientError(
    await promise.then(
      () => expect.fail('the call succeeded'),
      (error: unknown) => error,
    ),
  );
}

describe('createControlPlaneClient', () => {
  it('sends the bearer token to /trpc/<path> and returns the data', async () => {
    const seen: { url?: string; authorization?: string } = {};
    const url = await serve((req, reply) => {
      Object.assign(seen, { url: req.url, authorization: req.headers.authorization });
      reply(200, { result: { data: [] } });
    });
    const client = createControlPlaneClient({ url: `${url}/`, token: 'secret-token' });
    expect(await client.models.list.query()).toEqual([]);
    expect(seen).toEqual({ url: '/trpc/models.list', authorization: 'Bearer secret-token' });
  });

  it('reports an API error with its message and code', async () => {
    const url = await serve((_req, reply) =>
      reply(404, {
        error: {
          message: 'model nope not found',
          code: -32004,
          data: { code: 'NOT_FOUND', httpStatus: 404 },
        },
      }),
    );
    const client = createControlPlaneClient({ url, token: 't' });
    expect(await failure(client.models.get.query({ name: 'nope' }))).toEqual({
      kind: 'api',
      code: 'NOT_FOUND',
      message: 'model nope not found',
    });
  });

  it('reports a refused connection as a network failure', async () => {
    const url = await serve(() => {});
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const result = await failure(createControlPlaneClient({ url, token: 't' }).models.list.query());
    expect(result).toMatchObject({ kind: 'network', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('gives up after timeoutMs', async () => {
    const url = await serve(() => {}); // never answers
    const started = Date.now();
    const result = await failure(
      createControlPlaneClient({ url, token: 't', timeoutMs: 200 }).models.list.query(),
    );
    expect(result.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
