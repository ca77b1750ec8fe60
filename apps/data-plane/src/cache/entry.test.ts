import { describe, expect, it } from 'vitest';
import type { Tensor } from '../backends/types.ts';
import { decodeEntry, encodeEntry } from './entry.ts';

const scores: Tensor = { name: 'scores', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] };

describe('cache entries', () => {
  it('round-trips outputs and expiry, frozen', () => {
    const text = encodeEntry([scores], 1234, 1024);
    expect(typeof text).toBe('string');
    const entry = decodeEntry(text as string);
    expect(entry).toEqual({ outputs: [scores], expiresAt: 1234 });
    expect(Object.isFrozen(entry?.outputs[0]?.data)).toBe(true);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('refuses to cache %s (JSON would turn it into null)', (_name, value) => {
    expect(encodeEntry([{ ...scores, data: [value, 1] }], 0, 1024)).toBe('nonFinite');
  });

  it('refuses an entry over the size cap', () => {
    const big: Tensor = { name: 'y', datatype: 'FP32', shape: [1000], data: new Array(1000).fill(0.123456) };
    expect(encodeEntry([big], 0, 1024)).toBe('tooLarge');
  });

  it('measures the cap in UTF-8 bytes, not characters', () => {
    const text = (s: string): Tensor => ({ name: 'label', datatype: 'BYTES', shape: [1], data: [s] });
    const plain = encodeEntry([text('x'.repeat(600))], 0, 1024) as string;
    // 600 two-byte characters: under 1024 characters, over 1024 bytes.
    const accented = encodeEntry([text('é'.repeat(600))], 0, 1024);
    expect(plain.length).toBeLessThan(1024);
    expect(accented).toBe('tooLarge');
    expect(encodeEntry([text('é'.repeat(400))], 0, 1024)).toEqual(expect.stringContaining('é'));
  });

  it.each([
    ['not JSON', '{'],
    ['another version', JSON.stringify({ v: 2, exp: 1, outputs: [] })],
    ['a ragged tensor', JSON.stringify({ v: 1, exp: 1, outputs: [{ ...scores, shape: [3] }] })],
    ['a wrong element type', JSON.stringify({ v: 1, exp: 1, outputs: [{ ...scores, data: ['a', 'b'] }] })],
  ])('reads %s as a miss', (_name, text) => {
    expect(decodeEntry(text)).toBeNull();
  });
});
