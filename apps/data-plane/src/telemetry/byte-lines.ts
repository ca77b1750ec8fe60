/** Bytes per chunk: lines never span chunks, and the longest log row (payloads are capped) fits many times. */
export const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

interface Chunk {
  slot: number;
  buf: Buffer;
  used: number;
  /** Lines stored here and not yet released. */
  live: number;
}

/**
 * Lines of text held as UTF-8 in large byte chunks, each line named by a number (its chunk's slot
 * and offset). A queue of thousands of prediction-log rows waiting for their batch is then a few
 * buffers and an array of numbers instead of an object graph per row: the young-generation GC has
 * nothing to copy or promote, and a batch is written as views of the chunks, without joining or
 * re-encoding. A line ends at its only newline (COPY text escapes the others), so no length is
 * stored and lines added one after another form one view. A chunk is reused once all its lines
 * are released; the queue is first in, first out, so chunks empty in order.
 */
export class ByteLines {
  #slots: (Chunk | undefined)[] = [];
  #freeSlots: number[] = [];
  #current: Chunk | null = null;
  /** One emptied chunk kept for the next: its pages stay mapped instead of being faulted in anew. */
  #spare: Buffer | null = null;

  /** Chunks holding lines now (the memory held is about this many MiB). */
  get chunks(): number {
    return this.#slots.length - this.#freeSlots.length;
  }

  /** Stores `line`, which ends in its only newline; returns the number that names it until released. */
  add(line: string): number {
    if (line.indexOf('\n') !== line.length - 1) throw new Error('a line must end in its only newline');
    let chunk = this.#current;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: measured exactly only when that bound does not fit.
    const room = chunk ? CHUNK_BYTES - chunk.used : -1;
    if (!chunk || (line.length * 3 > room && Buffer.byteLength(line) > room)) {
      chunk = this.#open(Buffer.byteLength(line));
    }
    const at = chunk.used;
    chunk.used = at + chunk.buf.write(line, at, 'utf8');
    chunk.live += 1;
    return chunk.slot * CHUNK_BYTES + at;
  }

  /** UTF-8 bytes of a stored line, its newline included. */
  bytesOf(line: number): number {
    const at = line % CHUNK_BYTES;
    return this.#chunkOf(line).buf.indexOf(NEWLINE, at) + 1 - at;
  }

  /** The lines' bytes in the order given, as views of the chunks: adjacent lines share one view. */
  views(lines: readonly number[]): Buffer[] {
    const views: Buffer[] = [];
    let buf: Buffer | null = null;
    let start = 0;
    let end = 0;
    for (const line of lines) {
      const chunk = this.#chunkOf(line);
      const at = line % CHUNK_BYTES;
      const to = chunk.buf.indexOf(NEWLINE, at) + 1;
      if (chunk.buf === buf && at === end) {
        end = to;
        continue;
      }
      if (buf) views.push(buf.subarray(start, end));
      buf = chunk.buf;
      start = at;
      end = to;
    }
    if (buf) views.push(buf.subarray(start, end));
    return views;
  }

  /** Lets a line go; a chunk whose lines are all released is reused. */
  release(line: number): void {
    const chunk = this.#chunkOf(line);
    chunk.live -= 1;
    if (chunk.live === 0 && chunk !== this.#current) this.#free(chunk);
  }

  #chunkOf(line: number): Chunk {
    const chunk = this.#slots[Math.floor(line / CHUNK_BYTES)];
    if (!chunk) throw new Error(`byte lines: no line ${line}`);
    return chunk;
  }

  #open(bytes: number): Chunk {
    const previous = this.#current;
    const spare = bytes <= CHUNK_BYTES ? this.#spare : null;
    // A line longer than a chunk (none is, with payloads capped) gets a chunk of its own size.
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
