import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../backends/types.ts';
import { PredictionCache } from './prediction-cache.ts';

// CACHE_MEMORY_BYTES is what an operator sizes a replica by, so the in-process tier, filled past
// its budget, must hold about that much heap: not half of it, not twice.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BUDGET = 16 * 1024 * 1024;

const floats = (n: number) => Array.from({ length: n }, () => Math.fround(Math.random()));

/** Output shapes as models return them: a probability, recs' scores and items, many heads, labels, an embedding. */
const SHAPES: Array<[string, () => Tensor[]]> = [
  ['one probability', () => [{ name: 'p', datatype: 'FP32', shape: [1, 1], data: floats(1) }]],
  [
    'scores and top items',
    () => [
      { name: 'scores', datatype: 'FP32', shape: [1, 20], data: floats(20) },
      {
        name: 'top_items',
        datatype: 'INT64',
        shape: [1, 5],
        data: floats(5).map((x) => Math.floor(x * 1000)),
      },
    ],
  ],
  [
    'eight small heads',
    () =>
      Array.from({ length: 8 }, (_, t) => ({
        name: `head${t}`,
        datatype: 'FP32',
        shape: [1, 4],
        data: floats(4),
      })),
  ],
  [
    'text labels',
    () => [{ name: 'label', datatype: 'BYTES', shape: [1, 3], data: ['electronics', 'fashion', 'home'] }],
  ],
  [
    'a 768-wide embedding',
    () => [{ name: 'embedding', datatype: 'FP32', shape: [1, 768], data: floats(768) }],
  ],
];

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('the in-process tier against its byte budget', () => {
  it.each(SHAPES)('filled past its budget with %s, it holds about that much heap', async (_name, outputs) => {
    const cache = new PredictionCache({ memoryBytes: BUDGET });
    const before = heapUsed();
    let i = 0;
    // Until it has evicted as many entries as it holds: the tier is full and stays at its budget.
    while (cache.snapshot().memory.evictions <= cache.snapshot().memory.entries) {
      const key = `recs:1:0194a3b2-1234-7abc-8def-0123456789ab:1:${(i++).toString(16).padStart(64, '0')}`;
      expect(cache.store(key, outputs(), 300)).toBe('stored');
    }
    const held = heapUsed() - before;
    expect(cache.snapshot().memory.bytes).toBeLessThanOrEqual(BUDGET);
    expect(held / BUDGET).toBeGreaterThan(0.7);
    expect(held / BUDGET).toBeLessThan(1.3);
    await cache.close();
  });
});
