import { DataType, encodeModel, int64Tensor } from '../onnx-builder.ts';
import type { BuiltModel } from './types.ts';

/** Samples added on each side of the signal by reflection: needs at least PAD + 1 samples. */
const PAD = 1;

const DESCRIPTION =
  'Signal level: the mean of each row after reflect-padding it by one sample on each side. Like ' +
  'real audio models (a voice-activity detector, issue 11), it refuses a one-sample signal ' +
  '("Pad reflect requires axis length >= 2"), so a warm-up with every variable dim set to 1 fails.';

/**
 * A model that refuses a variable dim of 1: input `signal` FP32 [batch, samples], output `level`
 * FP32 [batch]. No weights to train; the point is its shape contract.
 */
export function buildSignalLevel(): BuiltModel {
  const bytes = encodeModel({
    name: 'signal_level_1.0.0',
    doc: DESCRIPTION,
    inputs: [{ name: 'signal', type: DataType.FLOAT, dims: ['batch', 'samples'] }],
    outputs: [{ name: 'level', type: DataType.FLOAT, dims: ['batch'] }],
    nodes: [
      { op: 'Pad', inputs: ['signal', 'pads'], outputs: ['padded'], attrs: { mode: 'reflect' } },
      { op: 'ReduceMean', inputs: ['padded'], outputs: ['level'], attrs: { axes: [1], keepdims: 0 } },
    ],
    // ONNX pads: [x1_begin, x2_begin, x1_end, x2_end]; only the samples axis is padded.
    initializers: [int64Tensor('pads', [4], [0, PAD, 0, PAD])],
    metadata: { model: 'signal-level', version: '1.0.0' },
  });
  return {
    bytes,
    entry: {
      model: 'signal-level',
      version: '1.0.0',
      inputs: [{ name: 'signal', datatype: 'FP32', shape: [-1, -1] }],
      outputs: [{ name: 'level', datatype: 'FP32', shape: [-1] }],
      metrics: { trainedOnRows: 0 },
      description: DESCRIPTION,
    },
  };
}
