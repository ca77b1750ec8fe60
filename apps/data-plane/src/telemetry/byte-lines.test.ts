import { describe, expect, it } from 'vitest';
import { ByteLines, CHUNK_BYTES } from './byte-lines.ts';

/** A deterministic stream of numbers in [0, 1), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const PIECES = ['plain', 'ünï', '😀', '\ud800', 'tab\\t', 'x'.repeat(3000), '€€€'];

describe('ByteLines', () => {
  it('gives back each line as UTF-8 bytes, in any order and grouping, across chunks', () => {
    const next = random(7);
    const lines = new ByteLines();
    const held: { id: number; text: string }[] = [];
    for (let i = 0; i < 3000; i++) {
      const text = `${i}\t${PIECES[Math.floor(next() * PIECES.length)]?.repeat(1 + Math.floor(next() * 40))}\n`;
      held.push({ id: lines.add(text), text });
    }
    expect(lines.chunks).toBeGreaterThan(2);
    for (const { id, text } of held.slice(0, 50)) expect(lines.bytesOf(id)).toBe(Buffer.byteLength(text));
    // A batch in queue order, and one picked out of order (as a split batch's halves are).
    const picked = held.filter(() => next() < 0.3).reverse();
    for (const batch of [held, picked]) {
      const bytes = Buffer.concat(lines.views(batch.map((line) => line.id)));
      expect(bytes.toString()).toBe(batch.map((line) => Buffer.from(line.text).toString()).join(''));
    }
    // Lines stored one after another go out as one view per chunk, not one per line.
    expect(lines.views(held.map((line) => line.id)).length).toBe(lines.chunks);
  });

  it('reuses chunks as lines are released first in, first out, so memory follows what is queued', () => {
    const lines = new ByteLines();
    const queue: number[] = [];
    const line = `${'y'.repeat(500)}\n`;
    for (let i = 0; i < 50_000; i++) {
      queue.push(lines.add(line));
      // About 2,000 lines (1 MB) queued at any time: a chunk or two, never the 25 MB that went through.
      if (queue.length > 2000) lines.release(queue.shift() as number);
      expect(lines.chunks).toBeLessThanOrEqual(3);
    }
    for (const id of queue) lines.release(id);
    expect(lines.chunks).toBe(1);
  });

  it('stores a line longer than a chunk in a chunk of its own', () => {
    const lines = new ByteLines();
    const small = lines.add('a\n');
    const long = `${'z'.repeat(CHUNK_BYTES + 10)}\n`;
    const big = lines.add(long);
    expect(lines.bytesOf(big)).toBe(long.length);
    expect(Buffer.concat(lines.views([small, big])).toString()).toBe(`a\n${long}`);
  });

  it('refuses text that is not one newline-terminated line', () => {
    const lines = new ByteLines();
    expect(() => lines.add('no newline')).toThrow(/newline/);
    expect(() => lines.add('two\nlines\n')).toThrow(/newline/);
  });
});
