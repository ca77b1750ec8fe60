import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from './load.ts';

// A real server on a real socket, counting what the load generator (its own process) sends.
let server: Server;
let url = '';
let received = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The server got every answered request, plus at most one still in flight per connection at the end. */
function expectServerSaw(answered: number): void {
  expect(received).toBeGreaterThanOrEqual(answered);
  expect(received).toBeLessThanOrEqual(answered + 4);
}

/** `durationS` of load on 4 connections against the counting server, at `rate` when given. */
function loadFor(durationS: number, rate?: number) {
  received = 0;
  return runLoad(null, {
    url,
    headers: {},
    connections: 4,
    durationS,
    bodies: { kind: 'distinct', offset: 0 },
    ...(rate !== undefined && { rate }),
  });
}

describe('runLoad', () => {
  it('offers the set rate, not as many requests as the server answers', async () => {
    const result = await loadFor(2, 100);
    // 100 a second for 2 s. autocannon sends each second's share at the start of the second, and a
    // run can end just after a third second began (300 was seen); unthrottled, this server gets
    // tens of thousands.
    expect(result.non2xx).toBe(0);
    expect(result.requests).toBeGreaterThanOrEqual(150);
    expect(result.requests).toBeLessThanOrEqual(400);
    expectServerSaw(result.requests);
  });

  it('sends as fast as the server answers without a rate', async () => {
    const result = await loadFor(1);
    expect(result.requests).toBeGreaterThan(1000);
    expectServerSaw(result.requests);
  });
});
