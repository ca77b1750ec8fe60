import { featureSchema } from '../features.ts';
import { hitRateAtK, round4 } from '../metrics.ts';
import { DataType, encodeModel, floatTensor, int64Tensor } from '../onnx-builder.ts';
import { generateRecsData, RECS_FEATURES, RECS_PRODUCTS } from '../recs-data.ts';
import { linearScores, trainLinear } from '../train.ts';
import type { BuiltModel } from './types.ts';

/** Seeds of the recommender's data; tests draw their own fresh set with another seed. */
export const RECS_TRAIN_SEED = 101;
export const RECS_EVAL_SEED = 202;
const EVAL_ROWS = 4000;
const TOP_K = 5;

interface RecsRecipe {
  version: string;
  rows: number;
  epochs: number;
  batchSize: number;
  useColumns: number[];
  description: string;
}

// v1 is the "before" model of a rollout demo: little data, no spend, cart or category affinities.
const RECIPES: RecsRecipe[] = [
  {
    version: '1.0.0',
    rows: 300,
    epochs: 40,
    batchSize: 100,
    useColumns: [0, 1, 2],
    description:
      'Product recommender v1: softmax regression over 20 products, trained on 300 users using only ' +
      'days_since_signup, sessions_30d and orders_90d (the other 5 features get zero weight).',
  },
  {
    version: '2.0.0',
    rows: 6000,
    epochs: 10,
    batchSize: 200,
    useColumns: [0, 1, 2, 3, 4, 5, 6, 7],
    description:
      'Product recommender v2: softmax regression over 20 products, trained on 6000 users with all 8 ' +
      'features. Clearly better hit rate than v1.',
  },
];

/** Trains and serializes both recommender versions. */
export function buildRecsModels(): BuiltModel[] {
  const train = generateRecsData({ seed: RECS_TRAIN_SEED, rows: 6000 });
  const evalSet = generateRecsData({ seed: RECS_EVAL_SEED, rows: EVAL_ROWS });
  return RECIPES.map((recipe) => {
    const model = trainLinear(train.rows.slice(0, recipe.rows), train.labels.slice(0, recipe.rows), {
      loss: 'softmax',
      outputs: RECS_PRODUCTS.length,
      epochs: recipe.epochs,
      batchSize: recipe.batchSize,
      learningRate: 0.05,
      l2: 1e-4,
      useColumns: recipe.useColumns,
    });
    const scores = evalSet.rows.map((r) => linearScores(model, r));
    const f = RECS_FEATURES.length;
    const p = RECS_PRODUCTS.length;
    const bytes = encodeModel({
      name: `recs_${recipe.version}`,
      doc: recipe.description,
      inputs: [{ name: 'features', type: DataType.FLOAT, dims: ['batch', f] }],
      outputs: [
        { name: 'scores', type: DataType.FLOAT, dims: ['batch', p] },
        { name: 'top_items', type: DataType.INT64, dims: ['batch', TOP_K] },
      ],
      nodes: [
        { op: 'Gemm', inputs: ['features', 'W', 'b'], outputs: ['logits'], attrs: { transB: 1 } },
        { op: 'Softmax', inputs: ['logits'], outputs: ['scores'], attrs: { axis: -1 } },
        { op: 'TopK', inputs: ['scores', 'k'], outputs: ['top_scores', 'top_items'], attrs: { axis: -1 } },
      ],
      initializers: [
        floatTensor('W', [p, f], model.weights),
        floatTensor('b', [p], model.bias),
        int64Tensor('k', [1], [TOP_K]),
      ],
      metadata: {
        model: 'recs',
        version: recipe.version,
        feature_order: RECS_FEATURES.map((x) => x.name).join(','),
      },
    });
    return {
      bytes,
      entry: {
        model: 'recs',
        version: recipe.version,
        inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, f] }],
        outputs: [
          { name: 'scores', datatype: 'FP32', shape: [-1, p] },
          { name: 'top_items', datatype: 'INT64', shape: [-1, TOP_K] },
        ],
        featureOrder: RECS_FEATURES.map((x) => x.name),
        inputSchema: featureSchema('recs user features', RECS_FEATURES),
        classLabels: RECS_PRODUCTS.map((x) => x.id),
        metrics: {
          trainedOnRows: recipe.rows,
          evaluatedOnRows: EVAL_ROWS,
          hitRateAt5: round4(hitRateAtK(scores, evalSet.labels, TOP_K)),
          accuracy: round4(hitRateAtK(scores, evalSet.labels, 1)),
        },
        description: recipe.description,
      },
    };
  });
}
