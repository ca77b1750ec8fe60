import type { Tensor } from '../backends/types.ts';
import type { OutcomeFacts } from '../pipeline/types.ts';
import type { ResponseText } from '../protocol/response-text.ts';
import type { ModelTable } from '../routing/types.ts';
import { ByteLru } from './lru.ts';
import type { PredictionCache } from './prediction-cache.ts';

/** Bodies longer than this are never remembered (the memo's keys are the bodies themselves). */
export const MAX_MEMO_BODY_BYTES = 4096;
/** Requests remembered per model table; the least recently used goes first. */
const MAX_MEMO_ENTRIES = 4096;
/** Bytes of keys and response text remembered per model table (about; UTF-16 doubles it in the heap). */
const MAX_MEMO_BYTES = 8 * 1024 * 1024;

/** What a repeated request is answered with, and what its telemetry record says. */
export interface RememberedHit {
  /** The outcome of the request remembered, without its outputs (the cache holds those). */
  facts: OutcomeFacts & { cacheKey: string; served: { ref: string } };
  /** Its response, sent again with each repeat's own request id. */
  text: ResponseText;
}

/**
 * Remembers, per routing table of a model, which cached answer a byte-identical request got, so a
 * repeat is answered without decoding its fields, validating, hashing its tensors or encoding the
 * outputs again; both protocols use it (their keys never meet). Only requests whose version cannot change between repeats are remembered: a
 * routing key or a pin under the same table always routes the same way, while an unkeyed request
 * draws a random bucket. Every routing change, purge or cache setting arrives as a new table, which
 * starts empty; and an entry is used only while the cache still holds the very outputs it was built
 * from, so TTLs and evictions apply exactly as they do to the cache itself.
 */
export class HitMemo {
  readonly #byTable = new WeakMap<ModelTable, ByteLru<Slot>>();

  constructor(private readonly cache: PredictionCache) {}

  /** The remembered answer for `key` under `table`, while the cache still holds its outputs. */
  get(table: ModelTable, key: string): RememberedHit | undefined {
    // Memo entries are stored with no expiry of their own: the cache's TTL decides, below.
    const slot = this.#byTable.get(table)?.get(key, 0)?.value;
    if (slot === undefined) return undefined;
    // Held weakly: an entry the cache evicted must not be kept alive (and its memory held) by the memo.
    const outputs = slot.outputs.deref();
    if (outputs === undefined || this.cache.memoryGet(slot.hit.facts.cacheKey) !== outputs) return undefined;
    return slot.hit;
  }

  /** Counts a remembered answer as the in-process hit it is. */
  countHit(ref: string): void {
    this.cache.stats.count(ref, 'hitsMemory');
  }

  /** Remembers `hit`, built from the cached `outputs` (compared by identity on every use). */
  remember(table: ModelTable, key: string, hit: RememberedHit, outputs: readonly Tensor[]): void {
    const bytes = key.length + hit.text.head.length + hit.text.tail.length + hit.facts.cacheKey.length;
    if (bytes > MAX_MEMO_BYTES / 64) return;
    let remembered = this.#byTable.get(table);
    if (!remembered) {
      remembered = new ByteLru<Slot>(MAX_MEMO_BYTES, MAX_MEMO_ENTRIES);
      this.#byTable.set(table, remembered);
    }
    remembered.set(key, { hit, outputs: new WeakRef(outputs) }, bytes, Number.POSITIVE_INFINITY);
  }
}

interface Slot {
  hit: RememberedHit;
  outputs: WeakRef<readonly Tensor[]>;
}

/**
 * The memo key of a request: everything that decides its answer besides the table: the protocol,
 * the pin, the routing-key header and the body's bytes (latin1 maps each byte to one character, so
 * distinct bodies give distinct keys). Null for bodies too long to remember.
 */
export function memoKey(
  protocol: 'tfserving' | 'oip',
  pin: string | undefined,
  routingKeyHeader: string | undefined,
  body: Buffer,
): string | null {
  if (body.length > MAX_MEMO_BODY_BYTES) return null;
  const prefix =
    pin === undefined && routingKeyHeader === undefined
      ? UNPINNED_PREFIX[protocol]
      : JSON.stringify([protocol, pin ?? null, routingKeyHeader ?? null]);
  return prefix + body.toString('latin1');
}

/** The key prefix of a request with neither pin nor routing-key header (most are): built once. */
const UNPINNED_PREFIX = {
  tfserving: JSON.stringify(['tfserving', null, null]),
  oip: JSON.stringify(['oip', null, null]),
};
