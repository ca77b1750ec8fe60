import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDb, type Database } from '@modelplane/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demo, recordingLogger, tempDir } from '../../test/backend-fixtures.ts';
import { ArtifactFetchError, type FetchArtifactOptions, fetchArtifact } from './artifact-fetch.ts';
import { createBackendManager } from './backend-manager.ts';
import type { NetworkPolicy, Resolver } from './network-policy.ts';

// Every server here is a real one on 127.0.0.1, the address an SSRF would aim at; the policy under
// test is the default one (no ALLOW_PRIVATE_NETWORK_BACKENDS) unless a test says otherwise.
const entry = demo('recs');
const REF = 'recs@1.0.0';
let bytes: Buffer;
let server: Server;
let port: number;
let base: string;
const hits: string[] = [];
let database: Database;
let cache: Awaited<ReturnType<typeof tempDir>>;
let files: Awaited<ReturnType<typeof tempDir>>;

/** A resolver that maps invented public-looking names to the given addresses (no DNS offline). */
function resolverFor(table: Record<string, string[]>): Resolver {
  return async (hostname) => {
    const addresses = table[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

function options(network: Partial<NetworkPolicy> = {}, extra: Partial<FetchArtifactOptions> = {}) {
  return {
    db: database.db,
    cacheDir: cache.path,
    ref: REF,
    network: { allowPrivateNetwork: false, hostAllowlist: [], ...network },
    ...extra,
  } satisfies FetchArtifactOptions;
}

async function refusal(uri: string, opts: FetchArtifactOptions): Promise<ArtifactFetchError> {
  const error = await fetchArtifact(uri, entry.sha256, opts).then(
    () => new Error('the fetch succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArtifactFetchError);
  return error as ArtifactFetchError;
}

beforeAll(async () => {
  bytes = await readFile(entry.file);
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    hits.push(path);
    if (path === '/model.onnx') return void response.end(bytes);
    if (path === '/to-loopback') {
      response.writeHead(302, { location: `http://127.0.0.1:${port}/model.onnx` });
      return void response.end();
    }
    if (path === '/to-metadata') {
      response.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' });
      return void response.end();
    }
    if (path === '/to-metadata-name') {
      response.writeHead(307, { location: 'http://instance-data.example/latest/meta-data/' });
      return void response.end();
    }
    if (path === '/loop') {
      response.writeHead(302, { location: '/loop' });
      return void response.end();
    }
    if (path === '/hang') return; // headers never come
    if (path === '/stall') {
      response.writeHead(200, { 'content-length': String(bytes.length) });
      return void response.write(bytes.subarray(0, 100)); // then nothing
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  database = await createDb({ kind: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:1/unused' });
  files = await tempDir('files');
});
beforeEach(async () => {
  await cache?.remove();
  cache = await tempDir('policy');
  hits.length = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await database.close();
  await cache?.remove();
  await files?.remove();
});

describe('http(s) artifacts under the default policy', () => {
  it('refuses a loopback address without connecting, with a reason that names no address', async () => {
    const error = await refusal(`${base}/model.onnx`, options());
    expect(error.message).toBe(
      `downloading the artifact for ${REF} was refused: the host resolves to a loopback address ` +
        '(set ALLOW_PRIVATE_NETWORK_BACKENDS=true to allow private hosts)',
    );
    expect(error.message).not.toContain('127.0.0.1');
    expect(error.detail).toContain('127.0.0.1');
    expect(hits).toEqual([]);
  });

  it.each([
    ['the metadata service', 'http://169.254.169.254/latest/meta-data/', /cloud metadata address/],
    ['an IPv4-mapped IPv6 loopback', `http://[::ffff:127.0.0.1]:${1}/x`, /loopback address/],
    ['a decimal IPv4 loopback', 'http://2130706433/x', /loopback address/],
    ['a localhost name', 'http://localhost/x', /loopback address/],
    ['a private address', 'http://10.0.0.5/x', /private address/],
    ['a CGNAT address', 'http://100.64.1.1/x', /carrier-grade NAT address/],
  ])('refuses %s', async (_label, uri, reason) => {
    expect((await refusal(uri, options())).message).toMatch(reason);
  });

  it('refuses a public-looking name that resolves to 127.0.0.1, checked at connect time', async () => {
    const resolve = resolverFor({ 'models.example.com': ['127.0.0.1'] });
    const uri = `http://models.example.com:${port}/model.onnx`;
    const error = await refusal(uri, options({ resolve }));
    expect(error.message).toMatch(/was refused: the host resolves to a loopback address/);
    expect(error.detail).toContain('models.example.com resolves to 127.0.0.1');
    expect(hits).toEqual([]);
    // The same name with the opt-in connects through the same resolver: the refusal was the policy.
    const path = await fetchArtifact(uri, entry.sha256, options({ resolve, allowPrivateNetwork: true }));
    expect((await readFile(path)).equals(bytes)).toBe(true);
  });

  it('refuses a name whose answers mix a public and a private address', async () => {
    const resolve = resolverFor({ 'mixed.example.com': ['93.184.216.34', '127.0.0.1'] });
    const error = await refusal(`http://mixed.example.com:${port}/model.onnx`, options({ resolve }));
    expect(error.message).toMatch(/loopback address/);
    expect(hits).toEqual([]);
  });
});

describe('redirects', () => {
  // The first hop must be reachable to test the second, so these run with the opt-in and show that
  // each hop is checked again: the allowlist, and metadata addresses (refused even with the opt-in).
  it('re-checks the allowlist on every hop: a redirect to 127.0.0.1 is refused', async () => {
    const resolve = resolverFor({ 'cdn.example.com': ['127.0.0.1'] });
    const network = { resolve, allowPrivateNetwork: true, hostAllowlist: [`cdn.example.com:${port}`] };
    const error = await refusal(`http://cdn.example.com:${port}/to-loopback`, options(network));
    expect(error.message).toBe(
      `downloading the artifact for ${REF} was refused: the host is not on BACKEND_HOST_ALLOWLIST`,
    );
    expect(hits).toEqual(['/to-loopback']);
  });

  it.each([
    ['an address', '/to-metadata'],
    ['a name', '/to-metadata-name'],
  ])('refuses a redirect to the metadata service by %s', async (_label, path) => {
    const resolve = resolverFor({ 'instance-data.example': ['169.254.169.254'] });
    const error = await refusal(`${base}${path}`, options({ resolve, allowPrivateNetwork: true }));
    expect(error.message).toMatch(/was refused: the host resolves to a cloud metadata address$/);
    expect(hits).toEqual([path]);
  });

  it('gives up on a redirect loop', async () => {
    const error = await refusal(`${base}/loop`, options({ allowPrivateNetwork: true }));
    expect(error.message).toBe(`downloading the artifact for ${REF} failed: too many redirects`);
  });
});

describe('timeouts', () => {
  it.each([
    ['sends no headers', '/hang'],
    ['stalls mid-body', '/stall'],
  ])('gives up on a server that %s, and keeps no partial file', async (_label, path) => {
    const opts = options({ allowPrivateNetwork: true }, { timeoutMs: 300 });
    const error = await refusal(`${base}${path}`, opts);
    expect(error.message).toBe(`fetching the artifact for ${REF} timed out after 300 ms`);
    expect(await readdirSafe(cache.path)).toEqual([]);
  });
});

describe('file:// artifacts', () => {
  const copy = async (name: string) => {
    const path = join(files.path, name);
    await writeFile(path, bytes);
    return path;
  };

  it('are refused when no ARTIFACT_FILE_ROOT is set', async () => {
    const path = await copy('model.onnx');
    const error = await refusal(pathToFileURL(path).href, options());
    expect(error.message).toBe(
      `reading the artifact for ${REF} was refused: file:// artifacts are disabled on this replica (set ARTIFACT_FILE_ROOT)`,
    );
  });

  it('are read from under the root', async () => {
    const path = await copy('inside.onnx');
    const result = await fetchArtifact(
      pathToFileURL(path).href,
      entry.sha256,
      options({}, { fileRoot: files.path }),
    );
    expect((await readFile(result)).equals(bytes)).toBe(true);
  });

  it('refuse a file outside the root, and a symlink inside it that escapes', async () => {
    const root = join(files.path, 'root');
    await mkdir(root, { recursive: true });
    const outside = await copy('outside.onnx');
    await symlink(outside, join(root, 'escape.onnx'));
    for (const uri of [pathToFileURL(outside).href, pathToFileURL(join(root, 'escape.onnx')).href]) {
      const error = await refusal(uri, options({}, { fileRoot: root }));
      expect(error.message).toBe(
        `reading the artifact for ${REF} was refused: the file is outside ARTIFACT_FILE_ROOT`,
      );
      expect(error.message).not.toContain(files.path);
    }
  });

  it.each([
    ['file:///dev/zero', 'it names a device or kernel file'],
    ['file:///proc/self/environ', 'it names a device or kernel file'],
  ])('refuse %s even with the root at /', async (uri, reason) => {
    const error = await refusal(uri, options({}, { fileRoot: '/' }));
    expect(error.message).toBe(`reading the artifact for ${REF} was refused: ${reason}`);
  });

  it('refuse a FIFO without blocking on it', async () => {
    const fifo = join(files.path, 'pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    const error = await refusal(
      pathToFileURL(fifo).href,
      options({}, { fileRoot: files.path, timeoutMs: 5000 }),
    );
    expect(error.message).toBe(`reading the artifact for ${REF} was refused: it is not a regular file`);
  });
});

describe('remote backends under the default policy', () => {
  it('a remote version on 127.0.0.1 fails to load with a reason that names no address', async () => {
    const manager = createBackendManager({
      db: database.db,
      cacheDir: cache.path,
      logger: recordingLogger(),
    });
    try {
      const version = {
        id: 'mv_remote_1',
        model: 'recs',
        version: '1.0.0',
        ref: REF,
        backend: { kind: 'oip' as const, url: base, remoteName: 'recs' },
        artifact: null,
        inputSchema: null,
        outputSchema: null,
        servingOptions: {},
      };
      const error = await manager.ensureReady(version).catch((e: unknown) => e);
      expect(String((error as Error).message)).toMatch(
        /its destination was refused: the host resolves to a loopback address/,
      );
      expect(String((error as Error).message)).not.toContain('127.0.0.1');
      expect(hits).toEqual([]);
    } finally {
      await manager.close();
    }
  });
});

async function readdirSafe(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return readdir(dir).catch(() => []);
}
