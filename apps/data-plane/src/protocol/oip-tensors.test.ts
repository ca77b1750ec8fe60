import { describe, expect, it } from 'vitest';
import type { TensorMeta } from '../backends/types.ts';
import { decodeInferInputs, encodeInferOutputs, selectOutputs } from './oip-tensors.ts';

const inputs: TensorMeta[] = [{ name: 'features', datatype: 'FP32', shape: [-1, 2] }];
const outputs: TensorMeta[] = [
  { name: 'scores', datatype: 'FP32', shape: [-1, 2] },
  { name: 'top', datatype: 'INT64', shape: [-1, 1] },
];

describe('OIP codecs', () => {
  it('accepts nested and flat data alike', () => {
    const flat = decodeInferInputs(
      [{ name: 'features', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }],
      inputs,
    );
    const nested = decodeInferInputs(
      [
        {
          name: 'features',
          shape: [2, 2],
          datatype: 'FP32',
          data: [
            [1, 2],
            [3, 4],
          ],
        },
      ],
      inputs,
    );
    expect(flat).toEqual(nested);
    expect(flat).toEqual({
      ok: true,
      tensors: [{ name: 'features', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] }],
    });
  });

  const invalid: Array<[string, Parameters<typeof decodeInferInputs>[0], RegExp]> = [
    [
      'an unknown input',
      [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }],
      /^inputs\[0\]\.name: the model has no input "x"/,
    ],
    [
      'a wrong datatype',
      [{ name: 'features', shape: [1, 2], datatype: 'FP64', data: [1, 2] }],
      /^inputs\[0\]\.datatype: input "features" is FP32, got FP64/,
    ],
    [
      'too few elements',
      [{ name: 'features', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3] }],
      /^inputs\[0\]\.data: shape \[2, 2\] needs 4 elements, got 3/,
    ],
    [
      'a wrong inner dimension',
      [{ name: 'features', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }],
      /^inputs\[0\]\.shape: shape \[1, 3\] does not match input "features" \[-1, 2\]/,
    ],
    [
      'a boolean element',
      [{ name: 'features', shape: [1, 2], datatype: 'FP32', data: [1, true] }],
      /^inputs\[0\]\.data\[1\]: expected a number, got boolean/,
    ],
    [
      'a duplicated input',
      [
        { name: 'features', shape: [1, 2], datatype: 'FP32', data: [1, 2] },
        { name: 'features', shape: [1, 2], datatype: 'FP32', data: [1, 2] },
      ],
      /^inputs\[1\]\.name: input "features" appears twice/,
    ],
  ];
  it.each(invalid)('rejects %s', (_name, request, message) => {
    const result = decodeInferInputs(request, inputs);
    expect(result.ok).toBe(false);
    const [first] = result.ok ? [] : result.issues;
    expect(`${first?.path}: ${first?.message}`).toMatch(message);
  });

  it('returns only the requested outputs, in request order', () => {
    const names = selectOutputs([{ name: 'top' }], outputs);
    const tensors = [
      { name: 'scores', datatype: 'FP32' as const, shape: [1, 2], data: [0.5, 0.25] },
      { name: 'top', datatype: 'INT64' as const, shape: [1, 1], data: [3] },
    ];
    expect(encodeInferOutputs(tensors, names)).toEqual([
      { name: 'top', datatype: 'INT64', shape: [1, 1], data: [3] },
    ]);
    expect(encodeInferOutputs(tensors, selectOutputs(undefined, outputs))).toHaveLength(2);
    expect(() => selectOutputs([{ name: 'nope' }], outputs)).toThrow(
      /^outputs\[0\]\.name: the model has no output "nope"/,
    );
  });
});
