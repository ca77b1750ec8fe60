interface Slot<V> {
  value: V;
  bytes: number;
  expiresAt: number;
}

/**
 * A least-recently-used map bounded by the bytes its entries declare, not by their count: one large
 * prediction must not be able to push the process past its memory budget. Expired entries are
 * dropped when read. A Map iterates in insertion order, so re-inserting on read keeps the oldest
 * first and eviction is O(1) per entry.
 */
export class ByteLru<V> {
  readonly #slots = new Map<string, Slot<V>>();
  #bytes = 0;
  #evictions = 0;

  constructor(readonly maxBytes: number) {}

  get entries(): number {
    return this.#slots.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Entries evicted to make room since the map was made. */
  get evictions(): number {
    return this.#evictions;
  }

  get(key: string, now: number): { value: V; expiresAt: number } | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#slots.delete(key);
    if (slot.expiresAt <= now) {
      this.#bytes -= slot.bytes;
      return undefined;
    }
    this.#slots.set(key, slot);
    return { value: slot.value, expiresAt: slot.expiresAt };
  }

  /** Stores `value`; false (and nothing stored) when it alone is larger than the whole budget. */
  set(key: string, value: V, bytes: number, expiresAt: number): boolean {
    if (bytes > this.maxBytes) return false;
    this.delete(key);
    this.#slots.set(key, { value, bytes, expiresAt });
    this.#bytes += bytes;
    for (const [oldest, slot] of this.#slots) {
      if (this.#bytes <= this.maxBytes) break;
      this.#slots.delete(oldest);
      this.#bytes -= slot.bytes;
      this.#evictions += 1;
    }
    return true;
  }

  delete(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    this.#bytes -= slot.bytes;
    return true;
  }

  /** Deletes every entry whose key matches; returns how many. */
  deleteWhere(matches: (key: string) => boolean): number {
    let deleted = 0;
    for (const key of [...this.#slots.keys()]) {
      if (matches(key) && this.delete(key)) deleted += 1;
    }
    return deleted;
  }
}
