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

  it('reads every 64-bit integer JSON numbers can carry exactly, signed and unsigned, and refuses the rest', () => {
    const ids = { name: 'ids', datatype: 'INT64' as const, shape: [-1] };
    const signed = [
      0n,
      1n,
      -1n,
      4294967295n,
      4294967296n,
      -4294967296n,
      -4294967297n,
      2n ** 53n - 1n,
      -(2n ** 53n - 1n),
    ];
    // The reference is Number() of each BigInt, which is exact in this range.
    const read = fromOrtTensor(ids, new ort.Tensor('int64', BigInt64Array.from(signed), [signed.length]));
    expect(read.data).toEqual(signed.map(Number));
    // A view that starts part-way into its buffer reads its own elements.
    const offset = new BigInt64Array([99n, -7n, 5n]).subarray(1);
    expect(fromOrtTensor(ids, { type: 'int64', dims: [2], data: offset }).data).toEqual([-7, 5]);
    const unsigned = BigUint64Array.from([0n, 4294967295n, 2n ** 53n - 1n]);
    expect(fromOrtTensor(ids, { type: 'uint64', dims: [3], data: unsigned }).data).toEqual([
      0,
      4294967295,
      2 ** 53 - 1,
    ]);
    for (const beyond of [2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)]) {
      const tensor = new ort.Tensor('int64', BigInt64Array.from([beyond]), [1]);
      expect(() => fromOrtTensor(ids, tensor)).toThrow(/beyond ±2\^53/);
    }
    const hugeUnsigned = { type: 'uint64' as const, dims: [1], data: BigUint64Array.from([2n ** 64n - 1n]) };
    expect(() => fromOrtTensor(ids, hugeUnsigned)).toThrow(/beyond ±2\^53/);
  });
});
