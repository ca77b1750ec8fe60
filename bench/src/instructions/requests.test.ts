import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRequests } from './requests.ts';

// A real server on a real socket: it records each body, how many requests it held at once, and
// answers 503 to a body that asks for it.
let server: Server;
let url = '';
const bodies: string[] = [];
let open = 0;
let mostOpen = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      bodies.push(body);
      // Answered a little later, so requests overlap as they do against a busy server.
      setTimeout(() => {
        open -= 1;
        response.writeHead(body.endsWith('7') ? 503 : 200).end('{}');
      }, 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('sendRequests', () => {
  it('sends exactly the requests asked for, each body once, at most `connections` at a time', async () => {
    const statuses = await sendRequests(
      { url, headers: { 'content-type': 'application/json' }, body: (n) => `body-${n}`, connections: 4 },
      10,
      50,
    );
    const expected = Array.from({ length: 50 }, (_, i) => `body-${10 + i}`);
    expect([...bodies].sort()).toEqual(expected.sort());
    expect(mostOpen).toBeLessThanOrEqual(4);
    expect(mostOpen).toBeGreaterThan(1);
    // body-17, -27, -37, -47 and -57 end in 7: the server's 503s are counted apart.
    expect(statuses).toEqual({ '200': 45, '503': 5 });
  });
});
