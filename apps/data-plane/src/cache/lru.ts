/** One entry, linked into the recency list. */
interface Entry<V> {
  readonly key: string;
  value: V;
  bytes: number;
  expiresAt: number;
  /** The entry used just before this one (towards eviction), and just after. */
  older: Entry<V> | null;
  newer: Entry<V> | null;
}

/**
 * A least-recently-used map bounded by the bytes its entries declare, not by their count: one large
 * prediction must not be able to push the process past its memory budget. Expired entries are
 * dropped when read.
 *
 * Recency is a doubly linked list beside the Map, so a read relinks two entries and an eviction
 * takes the list's head: O(1) each. Keeping the order in the Map itself (delete and re-insert on
 * read, evict through a fresh iterator) is not: V8 leaves a deleted entry in the Map's table as a
 * hole until the table is rebuilt, and every new iterator walks the holes before the oldest live
 * entry. Once a full cache evicted on every miss, that walk grew with each eviction since the last
 * rebuild: `pnpm bench:ab --load miss` went from 173 to 345 µs per request over three rounds.
 */
export class ByteLru<V> {
  readonly #entries = new Map<string, Entry<V>>();
  /** The least recently used entry: evicted first. */
  #oldest: Entry<V> | null = null;
  #newest: Entry<V> | null = null;
  #bytes = 0;
  #evictions = 0;

  /** `maxEntries` bounds the count too, for a map whose entries' bytes are only part of their cost. */
  constructor(
    readonly maxBytes: number,
    readonly maxEntries = Number.POSITIVE_INFINITY,
  ) {}

  get entries(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Entries evicted to make room since the map was made. */
  get evictions(): number {
    return this.#evictions;
  }

  /** The live entry for `key` (now the most recently used), or undefined. */
  get(key: string, now: number): { readonly value: V; readonly expiresAt: number } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#remove(entry);
      return undefined;
    }
    if (entry !== this.#newest) {
      this.#unlink(entry);
      this.#append(entry);
    }
    return entry;
  }

  /** Stores `value`; false (and nothing stored) when it alone is larger than the whole budget. */
  set(key: string, value: V, bytes: number, expiresAt: number): boolean {
    if (bytes > this.maxBytes) return false;
    this.delete(key);
    const entry: Entry<V> = { key, value, bytes, expiresAt, older: null, newer: null };
    this.#entries.set(key, entry);
    this.#append(entry);
    this.#bytes += bytes;
    // Never reaches the entry just stored: alone, it fits.
    while ((this.#bytes > this.maxBytes || this.#entries.size > this.maxEntries) && this.#oldest !== null) {
      this.#remove(this.#oldest);
      this.#evictions += 1;
    }
    return true;
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#remove(entry);
    return true;
  }

  /** Deletes every entry whose key matches; returns how many. */
  deleteWhere(matches: (key: string) => boolean): number {
    let deleted = 0;
    for (const entry of [...this.#entries.values()]) {
      if (matches(entry.key)) {
        this.#remove(entry);
        deleted += 1;
      }
    }
    return deleted;
  }

  #remove(entry: Entry<V>): void {
    this.#entries.delete(entry.key);
    this.#unlink(entry);
    this.#bytes -= entry.bytes;
  }

  #unlink(entry: Entry<V>): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.older = null;
    entry.newer = null;
  }

  #append(entry: Entry<V>): void {
    entry.older = this.#newest;
    if (this.#newest) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }
}
