import { DataType, encodeModel, floatTensor, type NodeSpec } from '../onnx-builder.ts';
import { createRng } from '../prng.ts';
import type { BuiltModel } from './types.ts';

export const HEAVY_MLP_SEED = 505;
export const HEAVY_MLP_INPUT = 256;
export const HEAVY_MLP_OUTPUT = 16;
/** Hidden widths, tuned so one batch-1 run takes about 1 ms on the 2-core reference machine. */
export const HEAVY_MLP_HIDDEN = [1280, 1280, 1280];

/** A fixed-cost MLP for benchmarks: seeded random weights, Gemm+Relu layers, no training. */
export function buildHeavyMlp(hidden: readonly number[] = HEAVY_MLP_HIDDEN): BuiltModel {
  const rng = createRng(HEAVY_MLP_SEED);
  const widths = [HEAVY_MLP_INPUT, ...hidden, HEAVY_MLP_OUTPUT];
  const nodes: NodeSpec[] = [];
  const initializers = [];
  let macs = 0;
  let current = 'x';
  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = widths[l] ?? 0;
    const fanOut = widths[l + 1] ?? 0;
    const last = l + 2 === widths.length;
    // He-uniform keeps activations at a stable scale through the Relu stack.
    const limit = Math.sqrt(6 / fanIn);
    const w = Float32Array.from({ length: fanOut * fanIn }, () => rng.uniform(-limit, limit));
    const b = Float32Array.from({ length: fanOut }, () => rng.uniform(-0.1, 0.1));
    initializers.push(floatTensor(`W${l}`, [fanOut, fanIn], w), floatTensor(`b${l}`, [fanOut], b));
    const out = last ? 'y' : `h${l}`;
    nodes.push({
      op: 'Gemm',
      inputs: [current, `W${l}`, `b${l}`],
      outputs: [last ? 'y' : `z${l}`],
      attrs: { transB: 1 },
    });
    if (!last) nodes.push({ op: 'Relu', inputs: [`z${l}`], outputs: [out] });
    current = out;
    macs += fanIn * fanOut;
  }
  const description =
    `Benchmark MLP: ${widths.join(' -> ')} with Relu between Gemm layers, seeded random weights ` +
    `(${macs} multiply-adds per row). About 1 ms per batch-1 run on one thread of the reference machine.`;
  const bytes = encodeModel({
    name: 'heavy_mlp_1.0.0',
    doc: description,
    inputs: [{ name: 'x', type: DataType.FLOAT, dims: ['batch', HEAVY_MLP_INPUT] }],
    outputs: [{ name: 'y', type: DataType.FLOAT, dims: ['batch', HEAVY_MLP_OUTPUT] }],
    nodes,
    initializers,
    metadata: { model: 'heavy-mlp', version: '1.0.0' },
  });
  return {
    bytes,
    entry: {
      model: 'heavy-mlp',
      version: '1.0.0',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, HEAVY_MLP_INPUT] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, HEAVY_MLP_OUTPUT] }],
      metrics: { trainedOnRows: 0, macsPerRow: macs },
      description,
    },
  };
}
