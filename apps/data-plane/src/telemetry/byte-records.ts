/** Bytes per chunk: records never span chunks, and the longest log row (payloads are capped) fits many times. */
export const CHUNK_BYTES = 1 << 20;
/** Each record starts with its length, so its bytes may hold anything. */
const LENGTH_BYTES = 4;

interface Chunk {
  slot: number;
  buf: Buffer;
  used: number;
  /** Records stored here and not yet released. */
  live: number;
}

/**
 * Records of bytes held in large chunks, each named by a number (its chunk's slot and offset). A
 * queue of thousands of prediction-log rows waiting for their batch is then a few buffers and an
 * array of numbers instead of an object graph per row: the young-generation GC has nothing to copy
 * or promote. A chunk is reused once all its records are released; the queue is first in, first
 * out, so chunks empty in order.
 *
 * A record is written in place: `reserve` room for it, write from `cursor`, then `commit` where it
 * ended. Nothing is copied on the way in.
 */
export class ByteRecords {
  #slots: (Chunk | undefined)[] = [];
  #freeSlots: number[] = [];
  #current: Chunk | null = null;
  /** Where the reserved room ends; -1 when nothing is reserved. */
  #reservedEnd = -1;
  /** One emptied chunk kept for the next: its pages stay mapped instead of being faulted in anew. */
  #spare: Buffer | null = null;

  /** Chunks holding records now (the memory held is about this many MiB). */
  get chunks(): number {
    return this.#slots.length - this.#freeSlots.length;
  }

  /** True when a record of `bytes` fits in the current chunk (else `reserve` opens another). */
  fits(bytes: number): boolean {
    const chunk = this.#current;
    return chunk !== null && LENGTH_BYTES + bytes <= CHUNK_BYTES - chunk.used;
  }

  /** Room for a record of at most `maxBytes`: write it into the buffer returned, from {@link cursor}. */
  reserve(maxBytes: number): Buffer {
    const chunk = this.fits(maxBytes) ? (this.#current as Chunk) : this.#open(LENGTH_BYTES + maxBytes);
    this.#reservedEnd = chunk.used + LENGTH_BYTES + maxBytes;
    return chunk.buf;
  }

  /** Where the reserved record's bytes start. */
  get cursor(): number {
    return (this.#current as Chunk).used + LENGTH_BYTES;
  }

  /** Ends the reserved record at `end`; returns the number that names it until released. */
  commit(end: number): number {
    const chunk = this.#current as Chunk;
    const at = chunk.used;
    if (end < at + LENGTH_BYTES || end > this.#reservedEnd)
      throw new Error('byte records: commit outside the room reserved');
    chunk.buf.writeUInt32LE(end - at - LENGTH_BYTES, at);
    chunk.used = end;
    chunk.live += 1;
    this.#reservedEnd = -1;
    return chunk.slot * CHUNK_BYTES + at;
  }

  /** A record's bytes, as a view of its chunk (valid until it is released). */
  read(record: number): Buffer {
    const at = record % CHUNK_BYTES;
    const buf = this.#chunkOf(record).buf;
    const start = at + LENGTH_BYTES;
    return buf.subarray(start, start + buf.readUInt32LE(at));
  }

  /** Bytes a record takes, its length included. */
  bytesOf(record: number): number {
    return LENGTH_BYTES + this.#chunkOf(record).buf.readUInt32LE(record % CHUNK_BYTES);
  }

  /** Lets a record go; a chunk whose records are all released is reused. */
  release(record: number): void {
    const chunk = this.#chunkOf(record);
    chunk.live -= 1;
    if (chunk.live === 0 && chunk !== this.#current) this.#free(chunk);
  }

  #chunkOf(record: number): Chunk {
    const chunk = this.#slots[Math.floor(record / CHUNK_BYTES)];
    if (!chunk) throw new Error(`byte records: no record ${record}`);
    return chunk;
  }

  #open(bytes: number): Chunk {
    const previous = this.#current;
    const spare = bytes <= CHUNK_BYTES ? this.#spare : null;
    // A record longer than a chunk (none is, with payloads capped) gets a chunk of its own size.
    const buf = spare ?? Buffer.allocUnsafeSlow(Math.max(bytes, CHUNK_BYTES));
    if (spare) this.#spare = null;
    const slot = this.#freeSlots.pop() ?? this.#slots.length;
    const chunk: Chunk = { slot, buf, used: 0, live: 0 };
    this.#slots[slot] = chunk;
    this.#current = chunk;
    if (previous && previous.live === 0) this.#free(previous);
    return chunk;
  }

  #free(chunk: Chunk): void {
    this.#slots[chunk.slot] = undefined;
    this.#freeSlots.push(chunk.slot);
    if (chunk.buf.length === CHUNK_BYTES) this.#spare = chunk.buf;
  }
}
