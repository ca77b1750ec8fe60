import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { fromOrtTensor } from './onnx-tensors.ts';

describe('fromOrtTensor', () => {
  it('turns ONNX Runtime outputs into plain JSON-ready arrays, keeping the shape', () => {
    const scores = fromOrtTensor(
      { name: 'scores', datatype: 'FP32', shape: [-1, 2] },
      new ort.Tensor('float32', new Float32Array([0.5, -1.25, 3, 0]), [2, 2]),
    );
    expect(scores).toEqual({ name: 'scores', datatype: 'FP32', shape: [2, 2], data: [0.5, -1.25, 3, 0] });
    expect(Array.isArray(scores.data)).toBe(true);
    const items = fromOrtTensor(
      { name: 'top_items', datatype: 'INT64', shape: [-1, 3] },
      new ort.Tensor('int64', new BigInt64Array([7n, -2n, 9007199254740991n]), [1, 3]),
    );
    expect(items.data).toEqual([7, -2, 9007199254740991]);
    const flags = fromOrtTensor(
      { name: 'flags', datatype: 'BOOL', shape: [2] },
      new ort.Tensor('bool', new Uint8Array([1, 0]), [2]),
    );
    expect(flags.data).toEqual([true, false]);
  });

  it('refuses an INT64 output JSON numbers cannot carry exactly, naming it', () => {
    const meta = { name: 'ids', datatype: 'INT64' as const, shape: [2] };
    const tooBig = new ort.Tensor('int64', new BigInt64Array([1n, 9007199254740993n]), [2]);
    expect(() => fromOrtTensor(meta, tooBig)).toThrow(/output 'ids' has an INT64 value beyond ±2\^53/);
  });
});
