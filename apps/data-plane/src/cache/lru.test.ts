import { describe, expect, it } from 'vitest';
import { ByteLru } from './lru.ts';

describe('ByteLru', () => {
  it('never holds more bytes than its budget, evicting the least recently used', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 40, Number.POSITIVE_INFINITY);
    lru.set('b', 'B', 40, Number.POSITIVE_INFINITY);
    expect(lru.get('a', 0)?.value).toBe('A'); // a is now the most recent
    lru.set('c', 'C', 40, Number.POSITIVE_INFINITY);
    expect(lru.bytes).toBe(80);
    expect(lru.get('b', 0)).toBeUndefined();
    expect(lru.get('a', 0)?.value).toBe('A');
    expect(lru.get('c', 0)?.value).toBe('C');
    expect(lru.evictions).toBe(1);
  });

  it('stays within the byte budget over a million distinct keys', () => {
    const lru = new ByteLru<number>(64 * 1024);
    let max = 0;
    for (let i = 0; i < 1_000_000; i++) {
      lru.set(`k${i}`, i, 100 + (i % 50), Number.POSITIVE_INFINITY);
      max = Math.max(max, lru.bytes);
    }
    expect(max).toBeLessThanOrEqual(64 * 1024);
    expect(lru.entries).toBeLessThan(700);
  });

  it('holds at most maxEntries when given, evicting the least recently used', () => {
    const lru = new ByteLru<number>(1_000_000, 3);
    for (const key of ['a', 'b', 'c']) lru.set(key, 1, 10, Number.POSITIVE_INFINITY);
    lru.get('a', 0);
    lru.set('d', 1, 10, Number.POSITIVE_INFINITY);
    expect(lru.entries).toBe(3);
    expect(lru.get('b', 0)).toBeUndefined();
    expect(['a', 'c', 'd'].every((key) => lru.get(key, 0) !== undefined)).toBe(true);
  });

  it('refuses an entry larger than the whole budget', () => {
    const lru = new ByteLru<string>(10);
    expect(lru.set('big', 'x', 11, Number.POSITIVE_INFINITY)).toBe(false);
    expect(lru.entries).toBe(0);
  });

  it('drops entries once expired', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 10, 1000);
    expect(lru.get('a', 999)?.value).toBe('A');
    expect(lru.get('a', 1000)).toBeUndefined();
    expect(lru.bytes).toBe(0);
  });

  it('replaces an entry without counting it twice, and deletes by key pattern', () => {
    const lru = new ByteLru<string>(100);
    lru.set('m:1:a', 'A', 30, Number.POSITIVE_INFINITY);
    lru.set('m:1:a', 'A2', 20, Number.POSITIVE_INFINITY);
    lru.set('n:1:b', 'B', 30, Number.POSITIVE_INFINITY);
    expect(lru.bytes).toBe(50);
    expect(lru.deleteWhere((k) => k.startsWith('m:'))).toBe(1);
    expect(lru.bytes).toBe(30);
  });

  it('keeps exactly what a plain reference LRU keeps over 20,000 random reads, writes, deletes and expiries', () => {
    // The reference: an array in recency order, oldest first, evicted from the front.
    type Held = { key: string; value: number; bytes: number; expiresAt: number };
    let reference: Held[] = [];
    const budget = 1000;
    const lru = new ByteLru<number>(budget);
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    let evictions = 0;
    for (let step = 0; step < 20_000; step++) {
      const key = `k${random(60)}`;
      const now = step;
      const op = random(10);
      const at = reference.findIndex((held) => held.key === key);
      if (op < 4) {
        const held = at >= 0 ? reference[at] : undefined;
        const live = held !== undefined && held.expiresAt > now;
        if (held) reference.splice(at, 1);
        if (held && live) reference.push(held);
        expect(lru.get(key, now)?.value).toBe(live ? held.value : undefined);
      } else if (op < 9) {
        const held = { key, value: step, bytes: 20 + random(200), expiresAt: now + 1 + random(3000) };
        if (at >= 0) reference.splice(at, 1);
        reference.push(held);
        while (reference.reduce((sum, h) => sum + h.bytes, 0) > budget) {
          reference.shift();
          evictions += 1;
        }
        expect(lru.set(key, held.value, held.bytes, held.expiresAt)).toBe(true);
      } else {
        if (at >= 0) reference.splice(at, 1);
        expect(lru.delete(key)).toBe(at >= 0);
      }
      expect(lru.entries).toBe(reference.length);
      expect(lru.bytes).toBe(reference.reduce((sum, h) => sum + h.bytes, 0));
    }
    expect(lru.evictions).toBe(evictions);
    expect(evictions).toBeGreaterThan(1000);
    // Whatever is held, the map returns (reads at time 0 change nothing the reference cares about now).
    reference = reference.filter((held) => held.expiresAt > 0);
    for (const held of reference) expect(lru.get(held.key, 0)?.value).toBe(held.value);
  });
});
