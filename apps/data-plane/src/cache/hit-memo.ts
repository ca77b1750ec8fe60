import type { Tensor } from '../backends/types.ts';
import type { ModelTable } from '../routing/types.ts';
import type { PredictionCache } from './prediction-cache.ts';

/** Bodies longer than this are never remembered (the memo's keys are the bodies themselves). */
export const MAX_MEMO_BODY_BYTES = 4096;
/** Requests remembered per model table; the oldest goes first. */
const MAX_MEMO_ENTRIES = 4096;

/** What a repeated request is answered with, and what its telemetry record says. */
export interface RememberedHit {
  /** The cache entry this answer was built from, and its outputs (compared by identity). */
  cacheKey: string;
  outputs: readonly Tensor[];
  /** `name@version` of the version that answered. */
  ref: string;
  revision: number | null;
  routingKey: string | undefined;
  sticky: boolean;
  pinned: boolean;
  inputHash: string | null;
  /** The response body up to `"requestId":`; the request's own id and `,"cached":true}` follow. */
  bodyHead: string;
}

/**
 * Remembers, per routing table of a model, which cached answer a byte-identical request got, so a
 * repeat is answered without decoding its fields, validating, hashing its tensors or encoding the
 * outputs again. Only requests whose version cannot change between repeats are remembered: a
 * routing key or a pin under the same table always routes the same way, while an unkeyed request
 * draws a random bucket. Every routing change, purge or cache setting arrives as a new table, which
 * starts empty; and an entry is used only while the cache still holds the very outputs it was built
 * from, so TTLs and evictions apply exactly as they do to the cache itself.
 */
export class HitMemo {
  readonly #byTable = new WeakMap<ModelTable, Map<string, RememberedHit>>();

  constructor(private readonly cache: PredictionCache) {}

  /** The remembered answer for `key` under `table`, while the cache still holds its outputs. */
  get(table: ModelTable, key: string): RememberedHit | undefined {
    const hit = this.#byTable.get(table)?.get(key);
    if (hit === undefined || this.cache.memoryGet(hit.cacheKey) !== hit.outputs) return undefined;
    return hit;
  }

  /** Counts a remembered answer as the in-process hit it is. */
  countHit(ref: string): void {
    this.cache.stats.count(ref, 'hitsMemory');
  }

  remember(table: ModelTable, key: string, hit: RememberedHit): void {
    let entries = this.#byTable.get(table);
    if (!entries) {
      entries = new Map();
      this.#byTable.set(table, entries);
    }
    if (entries.size >= MAX_MEMO_ENTRIES && !entries.has(key)) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(key, hit);
  }
}

/**
 * The memo key of a request: everything that decides its answer besides the table: the pin, the
 * routing-key header and the body's bytes (latin1 maps each byte to one character, so distinct
 * bodies give distinct keys). Null for bodies too long to remember.
 */
export function memoKey(
  pin: string | undefined,
  routingKeyHeader: string | undefined,
  body: Buffer,
): string | null {
  if (body.length > MAX_MEMO_BODY_BYTES) return null;
  return JSON.stringify([pin ?? null, routingKeyHeader ?? null]) + body.toString('latin1');
}
