import { CONVERSION_FEATURES, generateConversionData } from '../conversion-data.ts';
import { featureSchema } from '../features.ts';
import { auc, binaryAccuracy, round4 } from '../metrics.ts';
import { DataType, encodeModel, floatTensor } from '../onnx-builder.ts';
import { linearScores, trainLinear } from '../train.ts';
import type { BuiltModel } from './types.ts';

/** Seeds of the conversion data; tests draw their own fresh set with another seed. */
export const CONVERSION_TRAIN_SEED = 303;
export const CONVERSION_EVAL_SEED = 404;
const TRAIN_ROWS = 8000;
const EVAL_ROWS = 4000;

const DESCRIPTION =
  'Checkout conversion classifier: logistic regression over 6 session features, trained on 8000 ' +
  'synthetic sessions; outputs the probability that the session ends in a purchase.';

/** Trains and serializes the conversion classifier. */
export function buildConversionModel(): BuiltModel {
  const train = generateConversionData({ seed: CONVERSION_TRAIN_SEED, rows: TRAIN_ROWS });
  const evalSet = generateConversionData({ seed: CONVERSION_EVAL_SEED, rows: EVAL_ROWS });
  const model = trainLinear(train.rows, train.labels, {
    loss: 'sigmoid',
    outputs: 1,
    epochs: 10,
    batchSize: 200,
    learningRate: 0.05,
    l2: 1e-4,
  });
  const probabilities = evalSet.rows.map((r) => 1 / (1 + Math.exp(-(linearScores(model, r)[0] ?? 0))));
  const f = CONVERSION_FEATURES.length;
  const bytes = encodeModel({
    name: 'conversion_1.0.0',
    doc: DESCRIPTION,
    inputs: [{ name: 'features', type: DataType.FLOAT, dims: ['batch', f] }],
    outputs: [{ name: 'probability', type: DataType.FLOAT, dims: ['batch', 1] }],
    nodes: [
      { op: 'Gemm', inputs: ['features', 'W', 'b'], outputs: ['logit'], attrs: { transB: 1 } },
      { op: 'Sigmoid', inputs: ['logit'], outputs: ['probability'] },
    ],
    initializers: [floatTensor('W', [1, f], model.weights), floatTensor('b', [1], model.bias)],
    metadata: {
      model: 'conversion',
      version: '1.0.0',
      feature_order: CONVERSION_FEATURES.map((x) => x.name).join(','),
    },
  });
  return {
    bytes,
    entry: {
      model: 'conversion',
      version: '1.0.0',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, f] }],
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
      featureOrder: CONVERSION_FEATURES.map((x) => x.name),
      inputSchema: featureSchema('conversion session features', CONVERSION_FEATURES),
      metrics: {
        trainedOnRows: TRAIN_ROWS,
        evaluatedOnRows: EVAL_ROWS,
        auc: round4(auc(probabilities, evalSet.labels)),
        accuracy: round4(binaryAccuracy(probabilities, evalSet.labels)),
      },
      description: DESCRIPTION,
    },
  };
}
