import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactUploadError, uploadArtifact } from './artifacts.ts';

// A stand-in for the control plane's PUT /artifacts that records what arrived and answers like it does.
let server: Server;
let url: string;
let dir: string;
let received: { headers: IncomingHttpHeaders; body: Buffer } | null = null;

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    received = { headers: request.headers, body };
    const sha256 = createHash('sha256').update(body).digest('hex');
    response.setHeader('content-type', 'application/json');
    if (request.headers.authorization !== 'Bearer op-token') {
      response.statusCode = 403;
      return void response.end(JSON.stringify({ error: { code: 'FORBIDDEN', message: 'needs operator' } }));
    }
    if (request.headers['x-artifact-sha256'] !== sha256) {
      response.statusCode = 400;
      return void response.end(
        JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'digest mismatch' } }),
      );
    }
    response.statusCode = 201;
    response.end(JSON.stringify({ uri: `artifact://${sha256}`, sha256, sizeBytes: body.length }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  dir = await mkdtemp(join(tmpdir(), 'mp-upload-'));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('uploadArtifact', () => {
  it('uploads bytes with the token and their sha256', async () => {
    const bytes = new Uint8Array(randomBytes(5000));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const result = await uploadArtifact({ url, token: 'op-token', bytes });
    expect(result).toEqual({ uri: `artifact://${sha256}`, sha256, sizeBytes: 5000 });
    expect(received?.headers['content-type']).toBe('application/octet-stream');
    expect(received?.body.equals(Buffer.from(bytes))).toBe(true);
  });

  it('streams a file from disk', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 1);
    const path = join(dir, 'model.onnx');
    await writeFile(path, bytes);
    const result = await uploadArtifact({ url, token: 'op-token', path });
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(received?.body.equals(bytes)).toBe(true);
  });

  it('turns a refusal into an ArtifactUploadError with the server code and message', async () => {
    const error = await uploadArtifact({ url, token: 'viewer-token', bytes: new Uint8Array(10) }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ArtifactUploadError);
    expect(error).toMatchObject({ status: 403, code: 'FORBIDDEN', message: 'needs operator' });
  });
});
