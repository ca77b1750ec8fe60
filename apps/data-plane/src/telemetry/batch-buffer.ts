/** The logger surface the buffers use (pino and Fastify's logger satisfy it). */
export interface BufferLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** How a {@link BatchBuffer} holds and writes its items. */
export interface BatchBufferOptions<T> {
  /** Names the buffer in logs. */
  name: string;
  /** Bounds on what is held, in-flight batch included, so memory stays bounded through any outage. */
  maxRows: number;
  maxBytes: number;
  /** Approximate bytes an item holds. */
  sizeOf(item: T): number;
  /** `drop-oldest` makes room by dropping (and counting) the oldest items; `reject` refuses the new one. */
  whenFull: 'drop-oldest' | 'reject';
  /** Largest batch one write receives. */
  batchRows: number;
  /** Flush at least this often while items wait. */
  flushIntervalMs: number;
  /** Writes one batch; a rejection keeps the batch for the next try. */
  write(batch: T[]): Promise<void>;
  /**
   * True for an error caused by some row's content (the database refuses a value), not by the
   * database being away: the batch is then split to write the good rows and quarantine the bad.
   */
  isPoison?(error: unknown): boolean;
  logger: BufferLogger;
  /**
   * Called once for each item as it leaves the buffer, whichever way: written, quarantined,
   * dropped, or refused by `push` (for items that hold storage of their own, see prediction-log.ts).
   */
  release?(item: T): void;
  /** Longest pause between failed writes (default 10000 ms). */
  maxBackoffMs?: number;
}

/** Counters for metrics; all but `buffered*` only grow. */
export interface BatchBufferStats {
  bufferedRows: number;
  bufferedBytes: number;
  written: number;
  dropped: number;
  rejected: number;
  failures: number;
  /** Rows the database refused for their content, dropped so they cannot block the rows behind them. */
  quarantined: number;
}

/**
 * A bounded in-memory queue written out in batches, off the request path. `push` never waits and
 * never throws. While writes fail, items stay queued (retried with backoff) until the bounds are
 * reached; then the oldest are dropped and counted, or new items are refused, as configured.
 */
export class BatchBuffer<T> {
  readonly stats: BatchBufferStats = {
    bufferedRows: 0,
    bufferedBytes: 0,
    written: 0,
    dropped: 0,
    rejected: 0,
    failures: 0,
    quarantined: 0,
  };
  readonly #options: BatchBufferOptions<T>;
  #queue: Entry<T>[] = [];
  #head = 0;
  #inFlight: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #backoffMs = 0;
  #retryAt = 0;
  #closed = false;
  #failing = false;

  constructor(options: BatchBufferOptions<T>) {
    this.#options = options;
    this.#schedule(options.flushIntervalMs);
  }

  /** Seconds a refused caller should wait: the current backoff, at least one second. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.#backoffMs / 1000));
  }

  /** Queues an item; false when it was refused (`reject`) or could not be kept (`drop-oldest`). */
  push(item: T): boolean {
    if (this.#closed) {
      this.#count(this.#options.whenFull === 'reject' ? 'rejected' : 'dropped', 1);
      this.#options.release?.(item);
      return false;
    }
    const size = this.#options.sizeOf(item);
    if (!this.#fits(size)) {
      if (this.#options.whenFull === 'reject') {
        this.stats.rejected += 1;
        this.#options.release?.(item);
        return false;
      }
      while (!this.#fits(size) && this.#head < this.#queue.length) {
        const oldest = this.#queue[this.#head] as Entry<T>;
        this.#queue[this.#head] = undefined as never;
        this.#head += 1;
        this.#uncount(1, oldest.size);
        this.stats.dropped += 1;
        this.#options.release?.(oldest.item);
      }
      // Only the batch being written is left and it alone fills the bounds: keep it, lose this one.
      if (!this.#fits(size)) {
        this.stats.dropped += 1;
        this.#options.release?.(item);
        return false;
      }
    }
    this.#queue.push({ item, size });
    this.stats.bufferedRows += 1;
    this.stats.bufferedBytes += size;
    // A full batch is written now, not at the next tick: scheduled once, as the queue reaches it
    // (a flush under way writes any full batch that builds up meanwhile, see #flushDue).
    if (this.#queued() === this.#options.batchRows) this.#schedule(0);
    return true;
  }

  /** Writes everything queued now; resolves when done or when a write fails (never rejects). */
  async flush(): Promise<void> {
    while (this.#queued() > 0) {
      const ok = await this.#writeOnce();
      if (!ok) return;
    }
  }

  /**
   * Stops the timer and writes what is left, trying until `timeoutMs` passes. Whatever could not
   * be written by then is counted as dropped, so the counters still account for every item.
   */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const deadline = Date.now() + timeoutMs;
    await this.#inFlight;
    while (this.#queued() > 0 && Date.now() < deadline) {
      if (!(await this.#writeOnce())) await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
    }
    const left = this.#queued();
    if (left > 0) {
      this.#options.logger.warn(
        { buffer: this.#options.name, rows: left },
        'dropping unwritten rows at shutdown',
      );
      this.#count('dropped', left);
      this.#uncount(left, this.stats.bufferedBytes);
      for (let i = this.#head; i < this.#queue.length; i++)
        this.#options.release?.((this.#queue[i] as Entry<T>).item);
      this.#queue = [];
      this.#head = 0;
    }
  }

  /**
   * The timer's flush: the items queued when it fired, plus any full batch that builds up meanwhile.
   * Items arriving during those writes wait for the next tick, so a busy replica writes a few large
   * batches a second instead of draining in a stream of small ones: each write (a COPY, its commit)
   * costs the database and this process a fixed amount whatever its size.
   */
  async #flushDue(): Promise<void> {
    let due = this.#queued();
    // Checked on every turn: another flush may have written (or a drop removed) what was due.
    while (this.#queued() > 0 && (due > 0 || this.#queued() >= this.#options.batchRows)) {
      due -= Math.min(this.#queued(), this.#options.batchRows);
      if (!(await this.#writeOnce())) return;
    }
  }

  #fits(size: number): boolean {
    const { maxRows, maxBytes } = this.#options;
    return this.stats.bufferedRows + 1 <= maxRows && this.stats.bufferedBytes + size <= maxBytes;
  }

  #queued(): number {
    return this.#queue.length - this.#head;
  }

  #count(key: 'dropped' | 'rejected', n: number): void {
    this.stats[key] += n;
  }

  #uncount(rows: number, bytes: number): void {
    this.stats.bufferedRows -= rows;
    this.stats.bufferedBytes -= bytes;
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    if (this.#timer) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    const wait = Math.max(delayMs, this.#retryAt - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#flushDue().finally(() => this.#schedule(this.#options.flushIntervalMs));
    }, wait);
    this.#timer.unref();
  }

  /** One batch: taken off the queue while in flight (so drops never touch it), put back if the write fails. */
  #writeOnce(): Promise<boolean> {
    if (this.#inFlight) return this.#inFlight.then(() => true);
    const end = Math.min(this.#queue.length, this.#head + this.#options.batchRows);
    const batch = this.#queue.slice(this.#head, end);
    this.#queue = this.#queue.slice(end);
    this.#head = 0;
    let result = false;
    const run = async () => {
      const failed = await this.#writeSplitting(batch);
      if (!failed) {
        this.#backoffMs = 0;
        this.#retryAt = 0;
        if (this.#failing) this.#options.logger.info({ buffer: this.#options.name }, 'writes resumed');
        this.#failing = false;
        result = true;
        return;
      }
      // Still counted in the bounds while in flight, so putting it back cannot overflow them.
      this.#queue = failed.left.concat(this.#queue.slice(this.#head));
      this.#head = 0;
      this.stats.failures += 1;
      this.#backoffMs = Math.min(this.#options.maxBackoffMs ?? 10_000, Math.max(250, this.#backoffMs * 2));
      this.#retryAt = Date.now() + this.#backoffMs;
      if (!this.#failing) {
        this.#options.logger.warn(
          { buffer: this.#options.name, err: reason(failed.error) },
          'batch write failed; retrying',
        );
      }
      this.#failing = true;
    };
    this.#inFlight = run().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight.then(() => result);
  }

  /**
   * Writes `batch`; when the database refuses it for some row's content, writes each half apart
   * (bisecting down to the bad rows, which are quarantined), so one bad row never blocks a batch
   * forever. Returns the rows left unwritten by any other failure, to be retried, or null.
   */
  async #writeSplitting(batch: Entry<T>[]): Promise<{ left: Entry<T>[]; error: unknown } | null> {
    try {
      await this.#options.write(batch.map((entry) => entry.item));
      this.#settle(batch, 'written');
      return null;
    } catch (error) {
      if (!this.#options.isPoison?.(error)) return { left: batch, error };
      if (batch.length === 1) {
        this.#settle(batch, 'quarantined');
        this.#options.logger.warn(
          { buffer: this.#options.name, err: reason(error) },
          'row refused by the database; quarantined',
        );
        return null;
      }
      const middle = Math.ceil(batch.length / 2);
      const first = await this.#writeSplitting(batch.slice(0, middle));
      if (first) return { left: first.left.concat(batch.slice(middle)), error: first.error };
      return this.#writeSplitting(batch.slice(middle));
    }
  }

  #settle(entries: Entry<T>[], outcome: 'written' | 'quarantined'): void {
    this.#uncount(
      entries.length,
      entries.reduce((sum, entry) => sum + entry.size, 0),
    );
    this.stats[outcome] += entries.length;
    const { release } = this.#options;
    if (release) for (const entry of entries) release(entry.item);
  }
}

type Entry<T> = { item: T; size: number };

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
