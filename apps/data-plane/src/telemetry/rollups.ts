import { type DB, type RollupInput, upsertRollups } from '@modelplane/db';
import { emptyHistogram, latencyBucket, mergeHistogram } from '@modelplane/stats';
import type { Kysely } from 'kysely';
import type { BufferLogger } from './batch-buffer.ts';

interface Cell {
  minute: number;
  model: string;
  version: string;
  requests: number;
  errors: number;
  clientErrors: number;
  cacheHits: number;
  buckets: number[];
  /** The latencies of the requests no cache tier answered (memory, Redis, the repeat-hit memo). */
  uncached: number[];
}

/** Options for {@link RollupWriter}. */
export interface RollupOptions {
  replicaId: string;
  /** How often closed minutes are written (default 10000 ms). */
  flushIntervalMs?: number;
  /** Most (minute, model, version) cells held while Postgres is away; the oldest go first (default 20000). */
  maxCells?: number;
}

const MINUTE_MS = 60_000;
/** Rows per statement: 10 parameters each, well under Postgres's 65,535 per statement. */
export const ROLLUP_CHUNK_ROWS = 1000;

/**
 * Per-minute, per-version counts and latency histograms for this replica. A minute is written once
 * it has closed; a late request for it is written on the next flush and added to the row, so the
 * fleet-wide numbers are complete. Cells survive failed writes until `maxCells`, then the oldest
 * are dropped and their requests counted in `droppedRequests`.
 */
export class RollupWriter {
  droppedRequests = 0;
  written = 0;
  readonly #db: Kysely<DB>;
  readonly #options: Required<RollupOptions>;
  readonly #logger: BufferLogger;
  readonly #cells = new Map<string, Cell>();
  /**
   * The cell each (model, version) last counted into, found without building the string key:
   * `record` runs for every request. Cleared whenever cells leave the map (a flush, a drop), so it
   * only ever points at cells still held, and never outgrows the versions served.
   */
  readonly #recent = new Map<string, Map<string, Cell>>();
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> | null = null;
  #failing = false;

  constructor(db: Kysely<DB>, options: RollupOptions, logger: BufferLogger) {
    this.#db = db;
    this.#logger = logger;
    this.#options = { flushIntervalMs: 10_000, maxCells: 20_000, ...options };
    this.#timer = setInterval(() => void this.flush(false), this.#options.flushIntervalMs);
    this.#timer.unref();
  }

  /** Cells waiting to be written. */
  get pending(): number {
    return this.#cells.size;
  }

  /** Counts one finished request against the minute it arrived in; `cached`: any cache tier answered it. */
  record(
    at: number,
    model: string,
    version: string,
    status: number,
    latencyMs: number,
    cached: boolean,
  ): void {
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    let cell = this.#recent.get(model)?.get(version);
    if (cell === undefined || cell.minute !== minute) {
      // Looked up (or made, which may drop a cell and clear #recent) before it is remembered.
      cell = this.#cellFor(minute, model, version);
      let byVersion = this.#recent.get(model);
      if (!byVersion) {
        byVersion = new Map();
        this.#recent.set(model, byVersion);
      }
      byVersion.set(version, cell);
    }
    cell.requests += 1;
    if (status >= 500) cell.errors += 1;
    else if (status >= 400) cell.clientErrors += 1;
    if (cached) cell.cacheHits += 1;
    const bucket = latencyBucket(latencyMs);
    cell.buckets[bucket] = (cell.buckets[bucket] ?? 0) + 1;
    if (!cached) cell.uncached[bucket] = (cell.uncached[bucket] ?? 0) + 1;
  }

  #cellFor(minute: number, model: string, version: string): Cell {
    const key = cellKey(minute, model, version);
    let cell = this.#cells.get(key);
    if (!cell) {
      if (this.#cells.size >= this.#options.maxCells) this.#dropOldest();
      cell = {
        minute,
        model,
        version,
        requests: 0,
        errors: 0,
        clientErrors: 0,
        cacheHits: 0,
        buckets: emptyHistogram(),
        uncached: emptyHistogram(),
      };
      this.#cells.set(key, cell);
    }
    return cell;
  }

  /** Writes closed minutes (every minute with `all`, as at shutdown); never throws. */
  flush(all: boolean): Promise<void> {
    this.#flushing ??= this.#write(all).finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  /** Stops the timer and writes everything, the open minute included. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#flushing;
    await this.flush(true);
  }

  async #write(all: boolean): Promise<void> {
    const openMinute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    const due = [...this.#cells.entries()].filter(([, cell]) => all || cell.minute < openMinute);
    if (due.length === 0) return;
    // Taken out before the write: requests arriving meanwhile start fresh cells, added on the next flush.
    for (const [key] of due) this.#cells.delete(key);
    this.#recent.clear();
    // Bounded statements: after an outage the backlog can be maxCells long, and one INSERT of it all
    // would pass Postgres's 65,535-parameter limit and fail on every try. A chunk that is written
    // stays written; only the chunks from the failing one on are kept for the next flush.
    for (let start = 0; start < due.length; start += ROLLUP_CHUNK_ROWS) {
      const chunk = due.slice(start, start + ROLLUP_CHUNK_ROWS);
      try {
        await upsertRollups(
          this.#db,
          chunk.map(([, cell]) => this.#toRow(cell)),
        );
        this.written += chunk.length;
      } catch (err) {
        for (const [key, cell] of due.slice(start)) this.#restore(key, cell);
        if (!this.#failing) {
          this.#logger.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'rollup write failed; retrying',
          );
        }
        this.#failing = true;
        return;
      }
    }
    if (this.#failing) this.#logger.info({}, 'rollup writes resumed');
    this.#failing = false;
  }

  #restore(key: string, cell: Cell): void {
    const fresh = this.#cells.get(key);
    if (fresh) {
      fresh.requests += cell.requests;
      fresh.errors += cell.errors;
      fresh.clientErrors += cell.clientErrors;
      fresh.cacheHits += cell.cacheHits;
      mergeHistogram(fresh.buckets, cell.buckets);
      mergeHistogram(fresh.uncached, cell.uncached);
      return;
    }
    if (this.#cells.size >= this.#options.maxCells) {
      this.droppedRequests += cell.requests;
      return;
    }
    this.#cells.set(key, cell);
  }

  #dropOldest(): void {
    let oldestKey: string | undefined;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [key, cell] of this.#cells) {
      if (cell.minute < oldest) {
        oldest = cell.minute;
        oldestKey = key;
      }
    }
    if (oldestKey === undefined) return;
    this.droppedRequests += this.#cells.get(oldestKey)?.requests ?? 0;
    this.#cells.delete(oldestKey);
    this.#recent.clear();
  }

  #toRow(cell: Cell): RollupInput {
    return {
      minute: new Date(cell.minute),
      model: cell.model,
      version: cell.version,
      replicaId: this.#options.replicaId,
      requests: cell.requests,
      errors: cell.errors,
      clientErrors: cell.clientErrors,
      cacheHits: cell.cacheHits,
      latencyBuckets: cell.buckets,
      uncachedLatencyBuckets: cell.uncached,
    };
  }
}

function cellKey(minute: number, model: string, version: string): string {
  return `${minute}|${model}|${version}`;
}
