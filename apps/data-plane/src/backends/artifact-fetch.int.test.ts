import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDb, type Database } from '@modelplane/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demo, tempDir } from '../../test/backend-fixtures.ts';
import { ArtifactIntegrityError } from './artifact-cache.ts';
import { ArtifactFetchError, type FetchArtifactOptions, fetchArtifact } from './artifact-fetch.ts';

const entry = demo('recs');
let bytes: Buffer;
let server: Server;
let base: string;
let database: Database;
let cache: Awaited<ReturnType<typeof tempDir>>;
let options: FetchArtifactOptions;
let hits = 0;

beforeAll(async () => {
  bytes = await readFile(entry.file);
  server = createServer((request, response) => {
    hits += 1;
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/model.onnx') return void response.end(bytes);
    if (path === '/chunked-big') {
      // No content-length: the cap must hold while streaming, not only on the header.
      response.write(Buffer.alloc(4096));
      return void response.end(Buffer.alloc(4096));
    }
    if (path === '/slow') return void setTimeout(() => response.end(bytes), 2000);
    response.statusCode = 404;
    response.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // http and file sources never touch the database.
  database = await createDb({ kind: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/unused' });
});
beforeEach(async () => {
  await cache?.remove();
  cache = await tempDir('fetch');
  // The servers here listen on 127.0.0.1: the on-premises opt-in, as the test stacks set it.
  options = {
    db: database.db,
    cacheDir: cache.path,
    ref: 'recs@1.0.0',
    network: { allowPrivateNetwork: true, hostAllowlist: [] },
    fileRoot: '/',
  };
  hits = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await database.close();
  await cache?.remove();
});

describe('fetchArtifact over http', () => {
  it('downloads, verifies and caches, then serves later calls from the cache', async () => {
    const path = await fetchArtifact(`${base}/model.onnx`, entry.sha256, options);
    expect(path).toBe(`${cache.path}/${entry.sha256}.onnx`);
    expect((await readFile(path)).equals(bytes)).toBe(true);
    await fetchArtifact(`${base}/model.onnx`, entry.sha256, options);
    expect(hits).toBe(1);
  });

  it('rejects bytes that do not match the digest, naming both', async () => {
    const wrong = 'b'.repeat(64);
    const error = await fetchArtifact(`${base}/model.onnx`, wrong, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactIntegrityError);
    expect((error as Error).message).toBe(
      `artifact for recs@1.0.0 failed sha256 verification: its bytes do not hash to ${wrong}`,
    );
    // The digest of what the URI pointed at is for the log only.
    expect((error as ArtifactIntegrityError).actual).toBe(entry.sha256);
    expect(await readdir(cache.path)).toEqual([]);
  });

  it('reports an HTTP error status without the address; the log detail drops the query string', async () => {
    const error = (await fetchArtifact(
      `${base}/missing.onnx?X-Signature=secret`,
      entry.sha256,
      options,
    ).catch((e: unknown) => e)) as ArtifactFetchError;
    expect(error).toBeInstanceOf(ArtifactFetchError);
    expect(error.message).toBe('downloading the artifact for recs@1.0.0 failed: HTTP 404');
    expect(error.detail).toBe(`GET ${base}/missing.onnx answered 404`);
  });

  it.each([
    ['declared', '/model.onnx', 100],
    ['streamed', '/chunked-big', 5000],
  ])('enforces the size cap on %s length', async (_label, path, maxBytes) => {
    await expect(fetchArtifact(`${base}${path}`, entry.sha256, { ...options, maxBytes })).rejects.toThrow(
      `larger than the ${maxBytes}-byte limit`,
    );
  });

  it('gives up after the timeout', async () => {
    const started = Date.now();
    await expect(fetchArtifact(`${base}/slow`, entry.sha256, { ...options, timeoutMs: 200 })).rejects.toThrow(
      'fetching the artifact for recs@1.0.0 timed out after 200 ms',
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('fetchArtifact guards', () => {
  it.each([
    ['a digest that is not hex', 'file:///tmp/x.onnx', '../../etc/passwd', /invalid sha256/],
    ['an unsupported scheme', 'ftp://example.com/x.onnx', entry.sha256, /unsupported scheme ftp:/],
    [
      'a missing file',
      'file:///nonexistent/model.onnx',
      entry.sha256,
      'reading the artifact for recs@1.0.0 failed: the file does not exist',
    ],
  ])('rejects %s', async (_label, uri, sha256, message) => {
    await expect(fetchArtifact(uri, sha256, options)).rejects.toThrow(message);
  });
});
