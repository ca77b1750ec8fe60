import { DataType, encodeModel, floatTensor, int64Tensor } from '../onnx-builder.ts';
import { createRng } from '../prng.ts';
import type { BuiltSignatureModel } from './types.ts';

const UNITS = 3;
const LAYERS = 2;
const FRAME = 4;

/**
 * Shaped like a streaming voice-activity detector: the caller passes the recurrent `state` back
 * on every call (its batch dimension is the second one), plus a sample rate `sr` of shape [].
 * stateN = tanh((state * decay + input W) * sr / 16000); output = sigmoid(sum of stateN per row).
 */
export function buildStatefulModel(): BuiltSignatureModel {
  const rng = createRng(1105);
  const w = Float32Array.from({ length: FRAME * UNITS }, () => rng.uniform(-1, 1));
  const decay = Float32Array.from({ length: LAYERS }, (_, l) => 0.5 + 0.25 * l);
  const description =
    `Recurrent state passed back by the caller: input FP32 [batch, ${FRAME}], state FP32 [${LAYERS}, batch, ${UNITS}], ` +
    'sr INT64 [] (a scalar); outputs output FP32 [batch, 1] and stateN FP32 ' +
    `[${LAYERS}, batch, ${UNITS}], whose first dimension is not the batch.`;
  const bytes = encodeModel({
    name: 'stateful_1.0.0',
    doc: description,
    inputs: [
      { name: 'input', type: DataType.FLOAT, dims: ['batch', FRAME] },
      { name: 'state', type: DataType.FLOAT, dims: [LAYERS, 'batch', UNITS] },
      { name: 'sr', type: DataType.INT64, dims: [] },
    ],
    outputs: [
      { name: 'output', type: DataType.FLOAT, dims: ['batch', 1] },
      { name: 'stateN', type: DataType.FLOAT, dims: [LAYERS, 'batch', UNITS] },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['input', 'W'], outputs: ['projected'] },
      { op: 'Mul', inputs: ['state', 'decay'], outputs: ['kept'] },
      { op: 'Add', inputs: ['kept', 'projected'], outputs: ['mixed'] },
      { op: 'Cast', inputs: ['sr'], outputs: ['sr_f'], attrs: { to: DataType.FLOAT } },
      { op: 'Div', inputs: ['sr_f', 'base_rate'], outputs: ['rate'] },
      { op: 'Mul', inputs: ['mixed', 'rate'], outputs: ['scaled'] },
      { op: 'Tanh', inputs: ['scaled'], outputs: ['stateN'] },
      { op: 'ReduceSum', inputs: ['stateN', 'reduce_axes'], outputs: ['summed'], attrs: { keepdims: 0 } },
      { op: 'Sigmoid', inputs: ['summed'], outputs: ['probability'] },
      { op: 'Unsqueeze', inputs: ['probability', 'last_axis'], outputs: ['output'] },
    ],
    initializers: [
      floatTensor('W', [FRAME, UNITS], w),
      floatTensor('decay', [LAYERS, 1, 1], decay),
      floatTensor('base_rate', [], Float32Array.of(16000)),
      int64Tensor('reduce_axes', [2], [0, 2]),
      int64Tensor('last_axis', [1], [1]),
    ],
    metadata: { model: 'stateful', version: '1.0.0' },
  });
  return {
    bytes,
    entry: {
      model: 'stateful',
      version: '1.0.0',
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [-1, FRAME] },
        { name: 'state', datatype: 'FP32', shape: [LAYERS, -1, UNITS] },
        { name: 'sr', datatype: 'INT64', shape: [] },
      ],
      outputs: [
        { name: 'output', datatype: 'FP32', shape: [-1, 1] },
        { name: 'stateN', datatype: 'FP32', shape: [LAYERS, -1, UNITS] },
      ],
      description,
    },
  };
}
