import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';

/** Where to upload and what: the bytes in memory, or a file streamed from disk. */
export type UploadArtifactOptions = {
  /** Base URL of the control plane, e.g. `http://127.0.0.1:7070`. */
  url: string;
  /** Bearer token of an operator or admin. */
  token: string;
  /** Whole-upload timeout in milliseconds (default 10 minutes). */
  timeoutMs?: number;
} & ({ bytes: Uint8Array; path?: never } | { path: string; bytes?: never });

/** A stored artifact; `uri` goes into a version's `artifact.uri`, `sha256` into `artifact.sha256`. */
export interface UploadedArtifact {
  uri: string;
  sha256: string;
  sizeBytes: number;
}

/** The control plane refused the upload: `status` is the HTTP status, `code` its error code. */
export class ArtifactUploadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ArtifactUploadError';
  }
}

const DEFAULT_UPLOAD_TIMEOUT_MS = 10 * 60_000;

/**
 * Uploads an ONNX (or any) artifact to the control plane's `PUT /artifacts`. The digest is computed
 * here and sent as `x-artifact-sha256`, so bytes damaged in transit are refused, not stored. A file
 * is streamed, never read whole into memory. Network failures surface as fetch's own errors.
 */
export async function uploadArtifact(options: UploadArtifactOptions): Promise<UploadedArtifact> {
  const { body, sha256, sizeBytes } =
    options.path !== undefined ? await fileBody(options.path) : memoryBody(options.bytes);
  const response = await fetch(`${options.url.replace(/\/+$/, '')}/artifacts`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${options.token}`,
      'content-type': 'application/octet-stream',
      'x-artifact-sha256': sha256,
    },
    body,
    // Streamed request bodies need half-duplex mode in Node's fetch.
    duplex: 'half',
    signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS),
  } as RequestInit);
  const text = await response.text();
  const payload = parseJson(text);
  if (!response.ok) {
    const error = (payload as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new ArtifactUploadError(
      response.status,
      typeof error?.code === 'string' ? error.code : 'HTTP_ERROR',
      typeof error?.message === 'string' ? error.message : `upload failed with HTTP ${response.status}`,
    );
  }
  const result = payload as Partial<UploadedArtifact> | undefined;
  if (
    !result ||
    typeof result.uri !== 'string' ||
    result.sha256 !== sha256 ||
    result.sizeBytes !== sizeBytes
  ) {
    throw new ArtifactUploadError(
      response.status,
      'BAD_RESPONSE',
      'the control plane answered with an unexpected body',
    );
  }
  return { uri: result.uri, sha256: result.sha256, sizeBytes: result.sizeBytes };
}

function memoryBody(bytes: Uint8Array): { body: Uint8Array; sha256: string; sizeBytes: number } {
  return {
    body: bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.byteLength,
  };
}

/** Hashes the file in one streaming pass, then streams it again as the request body. */
async function fileBody(path: string): Promise<{ body: ReadableStream; sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const { size } = await stat(path);
  return {
    body: Readable.toWeb(createReadStream(path)) as ReadableStream,
    sha256: hash.digest('hex'),
    sizeBytes: size,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
