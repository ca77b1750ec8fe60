import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The upload went past the byte limit while it streamed. */
export class SpoolTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`upload exceeds the ${maxBytes}-byte limit`);
    this.name = 'SpoolTooLargeError';
  }
}

/** An upload on disk: its digest and size, a reader, and the cleanup the caller must run. */
export interface SpooledUpload {
  sha256: string;
  sizeBytes: number;
  /** Reads the spooled bytes back in `chunkBytes` reads. */
  read(chunkBytes: number): AsyncIterable<Uint8Array>;
  remove(): Promise<void>;
}

/**
 * Streams `body` to a private temporary file (under the OS temp dir, `TMPDIR`), hashing and
 * counting as it goes, and stops with {@link SpoolTooLargeError} past `maxBytes`. Backpressure
 * holds memory at a stream buffer or two; the digest is known before anything touches the database.
 */
export async function spoolUpload(body: NodeJS.ReadableStream, maxBytes: number): Promise<SpooledUpload> {
  const dir = await mkdtemp(join(tmpdir(), 'modelplane-upload-'));
  const path = join(dir, 'artifact');
  const remove = () => rm(dir, { recursive: true, force: true });
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) return callback(new SpoolTooLargeError(maxBytes));
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  // The request is piped in rather than made part of the pipeline: a failure must not destroy the
  // socket before the 413 goes out. The rest of an oversized body is discarded, not buffered.
  body.pipe(meter);
  // pipe() does not pass on a client that goes away mid-upload; without this the spool would wait forever.
  const abort = () => {
    if (!(body as { readableEnded?: boolean }).readableEnded)
      meter.destroy(new Error('the upload was aborted'));
  };
  body.once('error', abort);
  body.once('close', abort);
  try {
    await pipeline(meter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    body.unpipe(meter);
    body.resume();
    await remove();
    throw error;
  }
  return {
    sha256: hash.digest('hex'),
    sizeBytes: size,
    read: (chunkBytes) => createReadStream(path, { highWaterMark: chunkBytes }),
    remove,
  };
}
