import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { findModel, loadManifest } from './manifest.ts';
import { openSession } from './testing/ort.ts';

const entry = findModel(loadManifest(), 'signal-level', '1.0.0');

describe('signal-level@1.0.0', () => {
  it('averages the reflect-padded row and refuses a one-sample signal, as its warm-up story needs', async () => {
    if (!entry) throw new Error('signal-level@1.0.0 missing from the manifest');
    const session = await openSession(entry);
    try {
      const run = (samples: number[]) =>
        session.run({ signal: new ort.Tensor('float32', Float32Array.from(samples), [1, samples.length]) });
      // [1, 2, 3] reflect-padded by one is [2, 1, 2, 3, 2]: mean 2. [4, 8] becomes [8, 4, 8, 4]: mean 6.
      expect(Array.from((await run([1, 2, 3])).level?.data as Float32Array)).toEqual([2]);
      expect(Array.from((await run([4, 8])).level?.data as Float32Array)).toEqual([6]);
      await expect(run([5])).rejects.toThrow(/reflect/);
    } finally {
      await session.release();
    }
  });
});
