import { describe, expect, it } from 'vitest';
import type { Tensor } from '../backends/types.ts';
import { decodePredict } from '../protocol/tfserving-tensors.ts';
import type { ModelTable, VersionConfig } from '../routing/types.ts';
import { cacheKey, canonicalInput, inputHash, keyScope } from './canonical.ts';

function version(overrides: Partial<VersionConfig> = {}): VersionConfig {
  return {
    id: 'mv_1',
    model: 'm',
    version: '1.0.0',
    ref: 'm@1.0.0',
    backend: { kind: 'onnx' },
    artifact: { uri: 'artifact://a', sha256: 'a'.repeat(64) },
    inputSchema: { 'x-input-tensor': 'x', 'x-feature-order': ['a', 'b'] },
    outputSchema: null,
    servingOptions: {},
    ...overrides,
  };
}
const table = (cacheGeneration = 1) =>
  ({ name: 'm', cacheGeneration, cache: { enabled: true, ttlSeconds: 60 } }) as ModelTable;
const metas = [{ name: 'x', datatype: 'FP32' as const, shape: [-1, 2] }];
const decode = (text: string, v = version()) => decodePredict(JSON.parse(text), v, metas).tensors;
const keyOf = (tensors: Tensor[], v = version(), t = table()) => cacheKey(t, v, inputHash(tensors));

describe('canonical input and cache keys', () => {
  it('gives one key for any key order, whitespace and number spelling', () => {
    const reference = keyOf(decode('{"instances":[{"a":1,"b":2.5}]}'));
    for (const text of [
      '{"instances":[{"b":2.5,"a":1}]}',
      '{ "instances" : [ { "a" : 1.0 , "b" : 25e-1 } ] }',
      '{"instances":[{"a":1e0,"b":2.50}]}',
      '{"inputs":{"b":[2.5],"a":[1]}}',
      '{"inputs":{"x":[[1,2.5]]}}',
    ]) {
      expect(keyOf(decode(text)), text).toBe(reference);
    }
  });

  it('treats FP32 inputs the model cannot tell apart as one input, and -0 as 0', () => {
    const a: Tensor = { name: 'x', datatype: 'FP32', shape: [1, 2], data: [0.1, -0] };
    const b: Tensor = { name: 'x', datatype: 'FP32', shape: [1, 2], data: [Math.fround(0.1), 0] };
    expect(inputHash([a])).toBe(inputHash([b]));
    const c: Tensor = { ...a, datatype: 'FP64' };
    expect(inputHash([c])).not.toBe(inputHash([{ ...b, datatype: 'FP64' }]));
  });

  it('sorts tensors by name and writes object keys in sorted order', () => {
    const x: Tensor = { name: 'x', datatype: 'INT64', shape: [1], data: [3] };
    const w: Tensor = { name: 'w', datatype: 'BOOL', shape: [1], data: [true] };
    expect(canonicalInput([x, w])).toBe(
      '[{"data":[true],"datatype":"BOOL","name":"w","shape":[1]},{"data":[3],"datatype":"INT64","name":"x","shape":[1]}]',
    );
  });

  it('gives different keys for different versions, artifacts, generations, dtypes and shapes', () => {
    const tensors = decode('{"instances":[{"a":1,"b":2}]}');
    const base = keyOf(tensors);
    const variants = [
      keyOf(tensors, version({ id: 'mv_2' })),
      keyOf(tensors, version({ artifact: { uri: 'artifact://b', sha256: 'b'.repeat(64) } })),
      keyOf(tensors, version({ cacheGeneration: 2 })),
      keyOf(tensors, version(), table(2)),
      keyOf([{ ...(tensors[0] as Tensor), datatype: 'FP64' }]),
      keyOf([{ ...(tensors[0] as Tensor), shape: [2, 1] }]),
      keyOf(
        tensors,
        version({ artifact: null, backend: { kind: 'oip', url: 'http://a:1', remoteName: 'm' } }),
      ),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('puts the generations in the readable part of the key, for purges', () => {
    const key = keyOf(decode('{"instances":[{"a":1,"b":2}]}'), version({ cacheGeneration: 4 }), table(3));
    expect(key).toMatch(/^m:3:mv_1:4:[0-9a-f]{64}$/);
    expect(keyScope(key)).toEqual({
      model: 'm',
      cacheGeneration: 3,
      versionId: 'mv_1',
      versionGeneration: 4,
    });
    expect(keyScope('not:a:key')).toBeNull();
  });
});
