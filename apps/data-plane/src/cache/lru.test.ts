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
});
