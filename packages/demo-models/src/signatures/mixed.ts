import { DataType, encodeModel, floatTensor } from '../onnx-builder.ts';
import type { BuiltSignatureModel } from './types.ts';

/**
 * Several inputs of different datatypes and a scalar output: `y = mask ? x * count : 0` per row,
 * and `total`, the sum of all of `y` (shape [], not batched).
 */
export function buildMixedModel(): BuiltSignatureModel {
  const description =
    'Inputs of three datatypes (x FP32 [batch, 4], count INT64 [batch, 1], mask BOOL [batch, 4]); ' +
    'y = where(mask, x * count, 0) and total = sum(y), a scalar output.';
  const bytes = encodeModel({
    name: 'mixed_1.0.0',
    doc: description,
    inputs: [
      { name: 'x', type: DataType.FLOAT, dims: ['batch', 4] },
      { name: 'count', type: DataType.INT64, dims: ['batch', 1] },
      { name: 'mask', type: DataType.BOOL, dims: ['batch', 4] },
    ],
    outputs: [
      { name: 'y', type: DataType.FLOAT, dims: ['batch', 4] },
      { name: 'total', type: DataType.FLOAT, dims: [] },
    ],
    nodes: [
      { op: 'Cast', inputs: ['count'], outputs: ['count_f'], attrs: { to: DataType.FLOAT } },
      { op: 'Mul', inputs: ['x', 'count_f'], outputs: ['scaled'] },
      { op: 'Where', inputs: ['mask', 'scaled', 'zero'], outputs: ['y'] },
      { op: 'ReduceSum', inputs: ['y'], outputs: ['total'], attrs: { keepdims: 0 } },
    ],
    initializers: [floatTensor('zero', [], Float32Array.of(0))],
    metadata: { model: 'mixed', version: '1.0.0' },
  });
  return {
    bytes,
    entry: {
      model: 'mixed',
      version: '1.0.0',
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [-1, 4] },
        { name: 'count', datatype: 'INT64', shape: [-1, 1] },
        { name: 'mask', datatype: 'BOOL', shape: [-1, 4] },
      ],
      outputs: [
        { name: 'y', datatype: 'FP32', shape: [-1, 4] },
        { name: 'total', datatype: 'FP32', shape: [] },
      ],
      description,
    },
  };
}
