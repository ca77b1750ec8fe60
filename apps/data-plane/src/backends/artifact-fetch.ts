import { type Executor, findArtifact, readArtifactChunks } from '@modelplane/db';
import {
  ArtifactIntegrityError,
  assertSha256,
  findCachedArtifact,
  storeVerifiedArtifact,
} from './artifact-cache.ts';
import { ArtifactFetchError } from './artifact-errors.ts';
import { openFileArtifact } from './artifact-file.ts';
import { openHttpArtifact, safeUrl } from './artifact-http.ts';
import { findRefusal, type NetworkPolicy, STRICT_NETWORK_POLICY } from './network-policy.ts';

export { ArtifactFetchError } from './artifact-errors.ts';

/** Where artifacts come from and how far a download may go. */
export interface FetchArtifactOptions {
  /** The replica's own database connection, for `artifact://` URIs. */
  db: Executor;
  /** Directory of the content-addressed cache (`<sha256>.onnx`); created if missing. */
  cacheDir: string;
  /** `name@version`, so errors say which version is affected. */
  ref?: string;
  /** Bound on the whole fetch from any source, body included (ARTIFACT_FETCH_TIMEOUT_MS); default 120 s. */
  timeoutMs?: number;
  /** Largest artifact accepted from any source; default 1 GiB. */
  maxBytes?: number;
  /** Which hosts and addresses http(s) URIs may reach; default public addresses only. */
  network?: NetworkPolicy;
  /** `file://` URIs are read only from under this directory (ARTIFACT_FILE_ROOT); unset refuses them. */
  fileRoot?: string;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;
const ARTIFACT_SCHEME = 'artifact://';

/**
 * Returns the local path of a verified copy of the artifact: from the disk cache when present (so a
 * replica restarted without Postgres still loads), otherwise streamed from `uri` to a temporary
 * file, hashed as it is written, and renamed into the cache only if its sha256 equals
 * `expectedSha256` (a mismatch deletes the partial file and throws {@link ArtifactIntegrityError}).
 * Failures throw {@link ArtifactFetchError} with a viewer-safe message and the detail for the log.
 */
export async function fetchArtifact(
  uri: string,
  expectedSha256: string,
  options: FetchArtifactOptions,
): Promise<string> {
  const ref = options.ref ?? 'the artifact';
  assertSha256(expectedSha256, ref);
  const cached = await findCachedArtifact(options.cacheDir, expectedSha256);
  if (cached) return cached;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const source = await openSource(uri, { ...options, ref, maxBytes, signal });
    return await storeVerifiedArtifact(options.cacheDir, expectedSha256, abortable(source, signal), {
      ref,
      maxBytes,
    });
  } catch (error) {
    if (error instanceof ArtifactIntegrityError || error instanceof ArtifactFetchError) throw error;
    throw translate(error, { ref, uri, timeoutMs, signal });
  }
}

type SourceOptions = FetchArtifactOptions & { ref: string; maxBytes: number; signal: AbortSignal };

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
      return openFileArtifact(url, { ref: options.ref, root: options.fileRoot, maxBytes: options.maxBytes });
    case 'http:':
    case 'https:':
      return openHttpArtifact(url, {
        ref: options.ref,
        maxBytes: options.maxBytes,
        policy: options.network ?? STRICT_NETWORK_POLICY,
        signal: options.signal,
      });
    default:
      throw new ArtifactFetchError(`artifact uri for ${options.ref} has unsupported scheme ${url.protocol}`);
  }
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

/**
 * Ends iteration with the signal's reason as soon as it aborts, even while a read is pending (a
 * source that stalls mid-chunk cannot outlive the timeout).
 */
async function* abortable(
  source: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (true) {
      const next = await untilAborted(iterator.next(), signal);
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Not awaited: a generator stuck in a read would only resolve return() after that read.
    if (!finished) void iterator.return?.()?.catch(() => {});
  }
}

/** `promise`, or the signal's reason once it aborts; the listener goes away with the promise. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A failure as viewers may see it: the version and a short reason; hosts and paths go to `detail`. */
function translate(
  error: unknown,
  context: { ref: string; uri: string; timeoutMs: number; signal: AbortSignal },
): ArtifactFetchError {
  const where = describeUri(context.uri);
  const refusal = findRefusal(error);
  if (refusal) {
    return new ArtifactFetchError(
      `downloading the artifact for ${context.ref} was refused: ${refusal.message}`,
      {
        cause: error,
        detail: `${where}: ${refusal.detail}`,
      },
    );
  }
  if (context.signal.aborted) {
    return new ArtifactFetchError(
      `fetching the artifact for ${context.ref} timed out after ${context.timeoutMs} ms`,
      { cause: error, detail: where },
    );
  }
  const code = (error as { code?: unknown })?.code;
  const reason = typeof code === 'string' ? code : 'the source could not be read';
  return new ArtifactFetchError(`fetching the artifact for ${context.ref} failed: ${reason}`, {
    cause: error,
    detail: `${where}: ${error instanceof Error ? error.message : String(error)}`,
  });
}

/** A URI fit for the log: presigned query strings and credentials never leave here. */
function describeUri(uri: string): string {
  if (uri.startsWith(ARTIFACT_SCHEME)) return uri.slice(0, ARTIFACT_SCHEME.length + 64);
  try {
    const url = new URL(uri);
    return url.protocol === 'file:' ? url.href : safeUrl(url);
  } catch {
    return 'an invalid uri';
  }
}
