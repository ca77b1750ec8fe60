import { createHash } from 'node:crypto';
import type { Executor } from './executor.ts';

/** Artifacts are stored in 1 MiB rows: small enough for one statement, few enough rows for 512 MiB. */
export const ARTIFACT_CHUNK_BYTES = 1024 * 1024;

/** What {@link putArtifact} stored (or found already stored). */
export interface StoredArtifact {
  /** Lowercase hex sha256 of the content: the artifact's only identity. */
  digest: string;
  sizeBytes: number;
  /** False when an artifact with this digest was already stored. */
  created: boolean;
}

/** An artifact's row without its content. */
export interface ArtifactInfo {
  digest: string;
  sizeBytes: number;
  chunkCount: number;
  createdBy: string;
  createdAt: Date;
}

/**
 * Stores bytes content-addressed by their sha256, chunked, in one transaction. Idempotent: storing
 * the same bytes twice (even concurrently) keeps one copy.
 */
export async function putArtifact(
  db: Executor,
  bytes: Uint8Array,
  createdBy: string,
): Promise<StoredArtifact> {
  const digest = createHash('sha256').update(bytes).digest('hex');
  return putArtifactStream(db, { digest, sizeBytes: bytes.byteLength }, [bytes], createdBy);
}

/** Bytes streamed into {@link putArtifactStream} did not match the digest or size the caller gave. */
export class ArtifactContentMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactContentMismatchError';
  }
}

/**
 * Stores an artifact from a stream whose digest and size the caller already knows (an upload
 * spooled to disk while hashing), one {@link ARTIFACT_CHUNK_BYTES} row at a time, so memory stays
 * at about one chunk whatever the size. The bytes are hashed again as they are inserted and the
 * transaction rolls back unless digest and size match. Idempotent like {@link putArtifact}.
 */
export async function putArtifactStream(
  db: Executor,
  expected: { digest: string; sizeBytes: number },
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  createdBy: string,
): Promise<StoredArtifact> {
  const { digest, sizeBytes } = expected;
  if (await artifactExists(db, digest)) return { digest, sizeBytes, created: false };
  const chunkCount = Math.ceil(sizeBytes / ARTIFACT_CHUNK_BYTES);
  const write = async (tx: Executor): Promise<boolean> => {
    // A concurrent upload of the same digest blocks here until it commits, then inserts nothing.
    const inserted = await tx
      .insertInto('artifacts')
      .values({ digest, size_bytes: sizeBytes, chunk_count: chunkCount, created_by: createdBy })
      .onConflict((oc) => oc.column('digest').doNothing())
      .returning('digest')
      .executeTakeFirst();
    if (!inserted) return false;
    const hash = createHash('sha256');
    let seq = 0;
    let size = 0;
    for await (const chunk of rechunk(source, ARTIFACT_CHUNK_BYTES)) {
      hash.update(chunk);
      size += chunk.byteLength;
      if (size > sizeBytes)
        throw new ArtifactContentMismatchError(`artifact ${digest} is longer than ${sizeBytes} bytes`);
      await tx.insertInto('artifact_chunks').values({ digest, seq, data: chunk }).execute();
      seq += 1;
    }
    const actual = hash.digest('hex');
    if (size !== sizeBytes || actual !== digest) {
      throw new ArtifactContentMismatchError(
        `artifact ${digest} streamed ${size} bytes hashing to ${actual}, expected ${sizeBytes}`,
      );
    }
    return true;
  };
  const created = db.isTransaction ? await write(db) : await db.transaction().execute(write);
  return { digest, sizeBytes, created };
}

/** Regroups a byte stream into `size`-byte Buffers (the last one shorter). */
async function* rechunk(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    let view = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (pendingBytes + view.byteLength >= size) {
      const take = size - pendingBytes;
      pending.push(view.subarray(0, take));
      yield Buffer.concat(pending, size);
      pending = [];
      pendingBytes = 0;
      view = view.subarray(take);
    }
    if (view.byteLength > 0) {
      // Copied: a stream may reuse the memory behind a chunk it has handed out.
      pending.push(Buffer.from(view));
      pendingBytes += view.byteLength;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** True when an artifact with this digest is stored. */
export async function artifactExists(db: Executor, digest: string): Promise<boolean> {
  const row = await db
    .selectFrom('artifacts')
    .select('digest')
    .where('digest', '=', digest)
    .executeTakeFirst();
  return row !== undefined;
}

/** The artifact's size and provenance, or undefined when no artifact has this digest. */
export async function findArtifact(db: Executor, digest: string): Promise<ArtifactInfo | undefined> {
  const row = await db.selectFrom('artifacts').selectAll().where('digest', '=', digest).executeTakeFirst();
  if (!row) return undefined;
  return {
    digest: row.digest,
    sizeBytes: Number(row.size_bytes),
    chunkCount: row.chunk_count,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/**
 * Yields an artifact's chunks in order, one query per chunk so memory stays at one chunk. Throws
 * if a chunk is missing; yields nothing for an unknown digest (check {@link findArtifact} first).
 */
export async function* readArtifactChunks(db: Executor, digest: string): AsyncGenerator<Uint8Array> {
  const info = await findArtifact(db, digest);
  if (info) yield* chunksOf(db, info);
}

async function* chunksOf(db: Executor, info: ArtifactInfo): AsyncGenerator<Uint8Array> {
  const { digest } = info;
  for (let seq = 0; seq < info.chunkCount; seq++) {
    const row = await db
      .selectFrom('artifact_chunks')
      .select('data')
      .where('digest', '=', digest)
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (!row) throw new Error(`artifact ${digest} is missing chunk ${seq} of ${info.chunkCount}`);
    yield row.data;
  }
}

/** The artifact's bytes, or undefined when no artifact has this digest. */
export async function readArtifact(db: Executor, digest: string): Promise<Uint8Array | undefined> {
  const info = await findArtifact(db, digest);
  if (!info) return undefined;
  const out = new Uint8Array(info.sizeBytes);
  let offset = 0;
  for await (const chunk of chunksOf(db, info)) {
    if (offset + chunk.byteLength > out.byteLength) {
      throw new Error(`artifact ${digest} has more bytes than its recorded size ${info.sizeBytes}`);
    }
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  if (offset !== info.sizeBytes) {
    throw new Error(`artifact ${digest} has ${offset} bytes, its recorded size is ${info.sizeBytes}`);
  }
  return out;
}
