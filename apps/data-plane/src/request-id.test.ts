import { describe, expect, it } from 'vitest';
import { timeOrderedUuid } from './request-id.ts';

// RFC 9562 section 5.7: version nibble 7, variant bits 10 (8, 9, a or b).
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedUuid', () => {
  it('is a version 7 UUID whose first 48 bits are the Unix milliseconds', () => {
    // 2026-12-06T12:00:00.000Z is 1796558400000 ms, 0x01a24b39aa00.
    const id = timeOrderedUuid(Date.UTC(2026, 11, 6, 12));
    expect(id).toMatch(UUID_V7);
    expect(id.slice(0, 13)).toBe('01a24b39-aa00');
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(Date.UTC(2026, 11, 6, 12));
    // Every digit of the 48 bits, leading zeros included.
    expect(timeOrderedUuid(0x0001_0000_0001).slice(0, 13)).toBe('00010000-0001');
    expect(timeOrderedUuid(0x0000_0000_0000).slice(0, 13)).toBe('00000000-0000');
    expect(timeOrderedUuid(0xffff_ffff_ffff).slice(0, 13)).toBe('ffffffff-ffff');
    expect(timeOrderedUuid(0x0123_4567_89ab).slice(0, 13)).toBe('01234567-89ab');
  });

  it('spreads its random bits evenly, the variant digit included', () => {
    const ids = Array.from({ length: 8000 }, () => timeOrderedUuid());
    for (const id of ids) expect(id).toMatch(UUID_V7);
    const variants = new Map<string, number>();
    for (const id of ids) variants.set(id[19] as string, (variants.get(id[19] as string) ?? 0) + 1);
    // Each of 8, 9, a, b expects 2000; 1700 is more than six standard deviations (about 39) away.
    expect([...variants.keys()].sort()).toEqual(['8', '9', 'a', 'b']);
    for (const count of variants.values()) expect(count).toBeGreaterThan(1700);
    // The last group's digits: 16 values, each expected 8000 * 12 / 16 = 6000 times.
    const digits = new Map<string, number>();
    for (const id of ids) for (const digit of id.slice(24)) digits.set(digit, (digits.get(digit) ?? 0) + 1);
    expect(digits.size).toBe(16);
    for (const count of digits.values()) expect(count).toBeGreaterThan(5500);
  });

  it('sorts by time as text, and never repeats', () => {
    const earlier = Array.from({ length: 5000 }, () => timeOrderedUuid(1_700_000_000_000));
    const later = Array.from({ length: 5000 }, () => timeOrderedUuid(1_700_000_000_001));
    expect(new Set([...earlier, ...later]).size).toBe(10_000);
    // Sorted as text, every id of the earlier millisecond comes first.
    expect([...later, ...earlier].sort()).toEqual([...earlier.sort(), ...later.sort()]);
  });
});
