import { describe, expect, it } from 'vitest';
import { ByteRecords, CHUNK_BYTES } from './byte-records.ts';

/** A deterministic stream of numbers in [0, 1), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Stores `text` as one UTF-8 record, reserving the most it could take, as the prediction log does. */
function add(records: ByteRecords, text: string): number {
  const buf = records.reserve(text.length * 3);
  const at = records.cursor;
  return records.commit(at + buf.write(text, at, 'utf8'));
}

const PIECES = ['plain', 'ünï', '😀', '\ud800', 'tab\t\n', '\0', 'x'.repeat(3000), '€€€'];

describe('ByteRecords', () => {
  it('gives back each record as it was written, in any order, across chunks', () => {
    const next = random(7);
    const records = new ByteRecords();
    const held: { id: number; text: string }[] = [];
    for (let i = 0; i < 3000; i++) {
      const text = `${i}\n${PIECES[Math.floor(next() * PIECES.length)]?.repeat(1 + Math.floor(next() * 40))}`;
      held.push({ id: add(records, text), text });
    }
    expect(records.chunks).toBeGreaterThan(2);
    // In queue order, and picked out of order (as a split batch's halves are).
    const picked = held.filter(() => next() < 0.3).reverse();
    for (const { id, text } of [...held, ...picked]) {
      expect(records.read(id).toString()).toBe(Buffer.from(text).toString());
      expect(records.bytesOf(id)).toBe(4 + Buffer.byteLength(text));
    }
    expect(add(records, '')).toBeGreaterThan(0);
  });

  it('reuses chunks as records are released first in, first out, so memory follows what is queued', () => {
    const records = new ByteRecords();
    const queue: number[] = [];
    const text = 'y'.repeat(500);
    for (let i = 0; i < 50_000; i++) {
      queue.push(add(records, text));
      // About 2,000 records (1 MB) queued at any time: a chunk or two, never the 25 MB that went through.
      if (queue.length > 2000) records.release(queue.shift() as number);
      expect(records.chunks).toBeLessThanOrEqual(3);
    }
    for (const id of queue) records.release(id);
    expect(records.chunks).toBe(1);
  });

  it('stores a record longer than a chunk in a chunk of its own', () => {
    const records = new ByteRecords();
    const small = add(records, 'a');
    const long = 'z'.repeat(CHUNK_BYTES + 10);
    const big = add(records, long);
    const after = add(records, 'b');
    expect(records.read(big).toString()).toBe(long);
    expect([records.read(small).toString(), records.read(after).toString()]).toEqual(['a', 'b']);
  });

  it('refuses a record committed past the room reserved for it, or with none reserved', () => {
    const records = new ByteRecords();
    records.reserve(10);
    expect(() => records.commit(records.cursor + 11)).toThrow(/outside the room reserved/);
    const id = records.commit(records.cursor + 5);
    expect(records.bytesOf(id)).toBe(4 + 5);
    expect(() => records.commit(records.cursor)).toThrow(/outside the room reserved/);
  });
});
