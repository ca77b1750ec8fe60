import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { good, recs, V1, V2 } from './malformed-corpus.ts';
import { type Replica, registerDemo, type Stack, startStack } from './stack.ts';

// A body over MAX_BODY_BYTES must reach the caller as a 413 it can read. If the server answered
// and closed while the client was still writing, the client would see EPIPE or a reset instead.

const run = promisify(execFile);
const MiB = 1024 * 1024;
let stack: Stack;
let replica: Replica;
let token: string;
let dir: string;

/** 4 MB of valid JSON: four times the 1 MiB limit, well under the 8 MiB drain bound. */
const big = JSON.stringify({ instances: [good], pad: 'y'.repeat(4 * MiB) });

beforeAll(async () => {
  stack = await startStack();
  await stack.admin.models.create.mutate({ name: 'recs' });
  await registerDemo(stack.admin, recs);
  await stack.admin.traffic.set.mutate({ model: 'recs', weights: [{ version: '2.0.0', weight: 10000 }] });
  token = (await stack.admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  replica = await stack.startReplica({ maxBodyBytes: MiB });
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
  dir = await mkdtemp(join(tmpdir(), 'mp-413-'));
  await writeFile(join(dir, 'big.json'), big);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const headers = () => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });

/**
 * A Node process of its own (the replica shares this test's event loop, which hides the race)
 * that sends the 4 MB body `times` times with the global fetch (undici), whole or chunked.
 */
const FETCH_CLIENT = `
const [url, token, file, mode, times] = process.argv.slice(1);
const body = (await import('node:fs')).readFileSync(file);
const results = [];
for (let i = 0; i < Number(times); i++) {
  const stream = () => new ReadableStream({
    start(c) { for (let o = 0; o < body.length; o += 65536) c.enqueue(body.subarray(o, o + 65536)); c.close(); },
  });
  try {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: mode === 'chunked' ? stream() : body,
      duplex: 'half',
    });
    results.push({ status: r.status, connection: r.headers.get('connection'), body: await r.json() });
  } catch (e) {
    results.push({ error: String(e.cause?.code ?? e.message) });
  }
}
console.log(JSON.stringify(results));
`;

const expected413 = {
  status: 413,
  connection: 'close',
  body: { error: { code: 'PAYLOAD_TOO_LARGE', message: `request body exceeds ${MiB} bytes` } },
};

describe('a body over MAX_BODY_BYTES', () => {
  it.each(['whole', 'chunked'])(
    "reaches Node's fetch as a 413 with its JSON body (%s), every time",
    async (mode) => {
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          FETCH_CLIENT,
          `${replica.url}${V1}`,
          token,
          join(dir, 'big.json'),
          mode,
          '12',
        ],
        { timeout: 60_000 },
      );
      const results = JSON.parse(stdout);
      expect(results).toMatchObject(Array(12).fill(expected413));
    },
    90_000,
  );

  it('reaches curl as a 413 with its JSON body, on both protocols, every time', async () => {
    for (const path of [V1, V2]) {
      for (let i = 0; i < 12; i++) {
        // curl exits non-zero (55, "Send failure: Broken pipe") when the answer is lost.
        const { stdout } = await run(
          'curl',
          [
            '--silent',
            '--show-error',
            '--write-out',
            '\n%{http_code}',
            '--header',
            'content-type: application/json',
            '--header',
            `authorization: Bearer ${token}`,
            '--data-binary',
            `@${join(dir, 'big.json')}`,
            `${replica.url}${path}`,
          ],
          { timeout: 30_000 },
        );
        const [text, status] = stdout.split('\n');
        expect(status).toBe('413');
        const body = JSON.parse(text ?? '');
        if (path === V1) expect(body).toMatchObject(expected413.body);
        else expect(body).toEqual({ error: `PAYLOAD_TOO_LARGE: request body exceeds ${MiB} bytes` });
      }
    }
  }, 120_000);

  it('still serves requests after them', async () => {
    const response = await fetch(`${replica.url}${V1}`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ instances: [good] }),
    });
    expect(response.status).toBe(200);
  });
});
