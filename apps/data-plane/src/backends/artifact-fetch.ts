import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Executor, findArtifact, readArtifactChunks } from '@modelplane/db';
import {
  ArtifactIntegrityError,
  assertSha256,
  findCachedArtifact,
  storeVerifiedArtifact,
} from './artifact-cache.ts';

/** Where artifacts come from and how far a download may go. */
export interface FetchArtifactOptions {
  /** The replica's own database connection, for `artifact://` URIs. */
  db: Executor;
  /** Directory of the content-addressed cache (`<sha256>.onnx`); created if missing. */
  cacheDir: string;
  /** `name@version`, so errors say which version is affected. */
  ref?: string;
  /** Whole-download timeout for http(s) URIs; default 120 s. */
  timeoutMs?: number;
  /** Largest artifact accepted from any source; default 1 GiB. */
  maxBytes?: number;
}

/** The artifact could not be read from its source (missing, unreachable, too large). */
export class ArtifactFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArtifactFetchError';
  }
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;
const ARTIFACT_SCHEME = 'artifact://';

/**
 * Returns the local path of a verified copy of the artifact: from the disk cache when present (so a
 * replica restarted without Postgres still loads), otherwise fetched from `uri`, hashed while written
 * and renamed into the cache only if its sha256 equals `expectedSha256`. A mismatch throws
 * {@link ArtifactIntegrityError} naming the version and both digests.
 */
export async function fetchArtifact(
  uri: string,
  expectedSha256: string,
  options: FetchArtifactOptions,
): Promise<string> {
  const ref = options.ref ?? describeUri(uri);
  assertSha256(expectedSha256, ref);
  const cached = await findCachedArtifact(options.cacheDir, expectedSha256);
  if (cached) return cached;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  try {
    const source = await openSource(uri, { ...options, ref, maxBytes });
    return await storeVerifiedArtifact(options.cacheDir, expectedSha256, source, { ref, maxBytes });
  } catch (error) {
    if (error instanceof ArtifactIntegrityError || error instanceof ArtifactFetchError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ArtifactFetchError(
      `fetching the artifact for ${ref} from ${describeUri(uri)} failed: ${reason}`,
      {
        cause: error,
      },
    );
  }
}

type SourceOptions = FetchArtifactOptions & { ref: string; maxBytes: number };

async function openSource(uri: string, options: SourceOptions): Promise<AsyncIterable<Uint8Array>> {
  if (uri.startsWith(ARTIFACT_SCHEME)) return fromRegistry(uri.slice(ARTIFACT_SCHEME.length), options);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ArtifactFetchError(`artifact uri for ${options.ref} is not a valid URL`);
  }
  switch (url.protocol) {
    case 'file:':
      return fromFile(fileURLToPath(url));
    case 'http:':
    case 'https:':
      return fromHttp(url, options);
    default:
      throw new ArtifactFetchError(`artifact uri for ${options.ref} has unsupported scheme ${url.protocol}`);
  }
}

/** Opened on first read: a stream opened earlier would emit ENOENT before anyone listens. */
async function* fromFile(path: string): AsyncGenerator<Uint8Array> {
  yield* createReadStream(path);
}

async function fromRegistry(digest: string, options: SourceOptions): Promise<AsyncIterable<Uint8Array>> {
  assertSha256(digest, options.ref);
  const info = await findArtifact(options.db, digest);
  if (!info)
    throw new ArtifactFetchError(`artifact ${digest} for ${options.ref} is not stored in the registry`);
  if (info.sizeBytes > options.maxBytes) {
    throw new ArtifactFetchError(
      `artifact for ${options.ref} is larger than the ${options.maxBytes}-byte limit`,
    );
  }
  return readArtifactChunks(options.db, digest);
}

async function fromHttp(url: URL, options: SourceOptions): Promise<AsyncIterable<Uint8Array>> {
  // One signal bounds the whole download, body included, not just the response headers.
  const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const response = await fetch(url, { signal, redirect: 'follow' });
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new ArtifactFetchError(
      `downloading the artifact for ${options.ref} from ${describeUri(url.href)} failed: HTTP ${response.status}`,
    );
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > options.maxBytes) {
    await response.body.cancel().catch(() => {});
    throw new ArtifactFetchError(
      `artifact for ${options.ref} is larger than the ${options.maxBytes}-byte limit`,
    );
  }
  return response.body;
}

/** A URI safe for messages and logs: presigned query strings and credentials never leave here. */
function describeUri(uri: string): string {
  if (uri.startsWith(ARTIFACT_SCHEME)) return uri.slice(0, ARTIFACT_SCHEME.length + 64);
  try {
    const url = new URL(uri);
    return url.protocol === 'file:' ? url.href : `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'an invalid uri';
  }
}
