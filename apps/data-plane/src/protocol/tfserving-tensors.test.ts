import { describe, expect, it } from 'vitest';
import type { TensorMeta } from '../backends/types.ts';
import type { VersionConfig } from '../routing/types.ts';
import { decodePredict, encodeColumnar, encodePredictions } from './tfserving-tensors.ts';

function version(inputSchema: Record<string, unknown> | null = null): VersionConfig {
  return {
    id: 'mv_1',
    model: 'm',
    version: '1.0.0',
    ref: 'm@1.0.0',
    backend: { kind: 'onnx' },
    artifact: null,
    inputSchema,
    outputSchema: null,
    servingOptions: {},
  };
}

const single: TensorMeta[] = [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }];
const multi: TensorMeta[] = [
  { name: 'a', datatype: 'FP32', shape: [-1, 2] },
  { name: 'ids', datatype: 'INT64', shape: [-1] },
];
const features = version({
  type: 'object',
  'x-input-tensor': 'features',
  'x-feature-order': ['price', 'qty'],
});
const featureMeta: TensorMeta[] = [{ name: 'features', datatype: 'FP32', shape: [-1, 2] }];

describe('decodePredict', () => {
  it('reads row-format instances of a single-input model as one batched tensor', () => {
    const decoded = decodePredict(
      {
        instances: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
      version(),
      single,
    );
    expect(decoded).toEqual({
      format: 'row',
      batch: 2,
      tensors: [{ name: 'x', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }],
    });
  });

  it('reads named instances of a multi-input model', () => {
    const decoded = decodePredict(
      {
        instances: [
          { a: [1, 2], ids: 7 },
          { a: [3, 4], ids: 8 },
        ],
      },
      version(),
      multi,
    );
    expect(decoded.tensors).toEqual([
      { name: 'a', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] },
      { name: 'ids', datatype: 'INT64', shape: [2], data: [7, 8] },
    ]);
  });

  it('maps named features into one FP32 row in x-feature-order, whatever the key order', () => {
    const decoded = decodePredict(
      {
        instances: [
          { qty: 2, price: 9.5 },
          { price: 1, qty: 0 },
        ],
      },
      features,
      featureMeta,
    );
    expect(decoded.tensors).toEqual([
      { name: 'features', datatype: 'FP32', shape: [2, 2], data: [9.5, 2, 1, 0] },
    ]);
  });

  it('reads columnar feature lists and raw columnar tensors', () => {
    const byFeature = decodePredict({ inputs: { price: [9.5, 1], qty: [2, 0] } }, features, featureMeta);
    expect(byFeature.format).toBe('columnar');
    expect(byFeature.tensors[0]?.data).toEqual([9.5, 2, 1, 0]);
    const raw = decodePredict({ inputs: [[1, 2, 3]] }, version(), single);
    expect(raw.tensors[0]?.shape).toEqual([1, 3]);
    const named = decodePredict({ inputs: { features: [[9.5, 2]] } }, features, featureMeta);
    expect(named.tensors[0]?.data).toEqual([9.5, 2]);
  });

  it('reads raw rows of a single-input model even when the version names its features (TF Serving rows)', () => {
    const raw = decodePredict(
      {
        instances: [
          [9.5, 2],
          [1, 0],
        ],
      },
      features,
      featureMeta,
    );
    expect(raw).toEqual({
      format: 'row',
      batch: 2,
      tensors: [{ name: 'features', datatype: 'FP32', shape: [2, 2], data: [9.5, 2, 1, 0] }],
    });
    const byInput = decodePredict({ instances: [{ features: [9.5, 2] }] }, features, featureMeta);
    expect(byInput.tensors[0]?.data).toEqual([9.5, 2]);
    const columns = decodePredict(
      {
        inputs: [
          [9.5, 2],
          [1, 0],
        ],
      },
      features,
      featureMeta,
    );
    expect(columns).toMatchObject({ format: 'columnar', batch: 2, tensors: [{ shape: [2, 2] }] });
  });

  it('refuses rows for an input whose batch dimension is not the first', () => {
    const inputs: TensorMeta[] = [...single, { name: 'state', datatype: 'FP32', shape: [2, -1, 3] }];
    expect(() =>
      decodePredict({ instances: [{ x: [1, 2, 3], state: [[0, 0, 0]] }] }, version(), inputs),
    ).toThrow(
      /^instances: input "state" has shape \[2, -1, 3\], whose batch dimension is not the first; send the columnar "inputs" form$/,
    );
  });

  const invalid: Array<[string, Parameters<typeof decodePredict>[0], VersionConfig, TensorMeta[], RegExp]> = [
    ['empty instances', { instances: [] }, version(), single, /^instances: must not be empty/],
    [
      'a string element',
      { instances: [[1, 'x', 3]] },
      version(),
      single,
      /^instances\[0\]\[1\]: expected a number/,
    ],
    ['a wrong row length', { instances: [[1, 2]] }, version(), single, /instances of shape \[3\], got \[2\]/],
    [
      'ragged rows',
      {
        instances: [
          [1, 2, 3],
          [4, 5],
        ],
      },
      version(),
      single,
      /^instances\[1\]: expected a list of 3/,
    ],
    [
      'an unknown feature',
      { instances: [{ price: 1, qty: 2, colour: 3 }] },
      features,
      featureMeta,
      /^instances\[0\]\.colour: unknown feature/,
    ],
    [
      'a missing feature',
      { instances: [{ price: 1 }] },
      features,
      featureMeta,
      /^instances\[0\]: missing feature qty/,
    ],
    [
      'a non-number feature',
      { instances: [{ price: '1', qty: 2 }] },
      features,
      featureMeta,
      /^instances\[0\]\.price: expected a number, got a string/,
    ],
    [
      'a raw row among named feature rows',
      { instances: [{ price: 1, qty: 2 }, [1, 2]] },
      features,
      featureMeta,
      /^instances\[1\]: expected an object of named features, got a list/,
    ],
    [
      'a raw row of the wrong width on a named-feature version',
      { instances: [[1, 2, 3]] },
      features,
      featureMeta,
      /^instances\[0\]: input "features" takes instances of shape \[2\], got \[3\]$/,
    ],
    [
      'a named row among raw rows',
      { instances: [[1, 2], { price: 1, qty: 2 }] },
      features,
      featureMeta,
      /^instances\[1\]: expected a list of 2/,
    ],
    [
      'a string in a raw row on a named-feature version',
      {
        instances: [
          [1, 2],
          [3, 'x'],
        ],
      },
      features,
      featureMeta,
      /^instances\[1\]\[1\]: expected a number, got a string$/,
    ],
    [
      'rows for a model with a scalar input',
      { instances: [{ x: [1, 2, 3], sr: 8000 }] },
      version(),
      [...single, { name: 'sr', datatype: 'INT64', shape: [] }],
      /^instances: input "sr" is a scalar \(shape \[\]\), which rows cannot carry; send the columnar "inputs" form$/,
    ],
    [
      'uneven feature columns',
      { inputs: { price: [1, 2], qty: [3] } },
      features,
      featureMeta,
      /^inputs\.qty: expected 2 values/,
    ],
    [
      'a missing named input',
      { instances: [{ a: [1, 2] }] },
      version(),
      multi,
      /^instances\[0\]\.ids: missing input/,
    ],
    [
      'an unknown named input',
      { instances: [{ a: [1, 2], ids: 1, b: 2 }] },
      version(),
      multi,
      /^instances\[0\]\.b: the model has no such input/,
    ],
    [
      'a fractional INT64',
      { instances: [{ a: [1, 2], ids: 1.5 }] },
      version(),
      multi,
      /^instances\[0\]\.ids: expected an integer/,
    ],
    [
      'an unnamed columnar value for two inputs',
      { inputs: [[1, 2]] },
      version(),
      multi,
      /^inputs: the model has 2 inputs/,
    ],
  ];
  it.each(invalid)('rejects %s with INVALID_INPUT naming the field', (_name, body, v, metas, message) => {
    let thrown: unknown;
    try {
      decodePredict(body, v, metas);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(message) });
  });
});

describe('encoding predictions', () => {
  const scores = { name: 'scores', datatype: 'FP32' as const, shape: [2, 2], data: [0.1, 0.2, 0.3, 0.4] };
  const top = { name: 'top', datatype: 'INT64' as const, shape: [2], data: [5, 6] };

  it('returns bare values per instance for one output and objects for several', () => {
    expect(encodePredictions([scores], 2)).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    expect(encodePredictions([scores, top], 2)).toEqual([
      { scores: [0.1, 0.2], top: 5 },
      { scores: [0.3, 0.4], top: 6 },
    ]);
  });

  it('nests each instance of a many-dimensional output and keeps any output name as a field', () => {
    const cube = {
      name: 'cube',
      datatype: 'FP32' as const,
      shape: [2, 2, 2],
      data: [1, 2, 3, 4, 5, 6, 7, 8],
    };
    const odd = { name: '__proto__', datatype: 'INT64' as const, shape: [2, 1], data: [9, 10] };
    expect(JSON.stringify(encodePredictions([cube, odd], 2))).toBe(
      '[{"cube":[[1,2],[3,4]],"__proto__":[9]},{"cube":[[5,6],[7,8]],"__proto__":[10]}]',
    );
  });

  it('returns columnar outputs whole', () => {
    expect(encodeColumnar([scores])).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    expect(encodeColumnar([scores, top])).toEqual({
      scores: [
        [0.1, 0.2],
        [0.3, 0.4],
      ],
      top: [5, 6],
    });
  });

  it('refuses an output that is not batched like the instances', () => {
    expect(() => encodePredictions([scores], 3)).toThrow(/not batched over 3 instances; send the columnar/);
  });
});
