/** A dense layer y = W x + b on raw (unstandardized) features; W is [outputs × inputs] row-major. */
export interface LinearModel {
  inputs: number;
  outputs: number;
  weights: Float32Array;
  bias: Float32Array;
}

/** Adam settings for {@link trainLinear}: `epochs` passes over the rows in batches of `batchSize`. */
export interface TrainOptions {
  /** 'softmax' for multiclass labels 0..outputs-1, 'sigmoid' for 0/1 labels with one output. */
  loss: 'softmax' | 'sigmoid';
  outputs: number;
  epochs: number;
  learningRate: number;
  l2?: number;
  /** Rows per Adam step; the whole set when omitted. */
  batchSize?: number;
  /** Columns the model may use; the others get zero weight (a model that ignores those features). */
  useColumns?: readonly number[];
}

/**
 * Trains softmax or logistic regression with Adam on standardized features, then folds the
 * standardization into W and b so the exported graph takes raw feature values.
 */
export function trainLinear(
  rows: readonly Float64Array[],
  labels: readonly number[],
  opts: TrainOptions,
): LinearModel {
  const inputs = rows[0]?.length ?? 0;
  const cols = opts.useColumns ?? Array.from({ length: inputs }, (_, j) => j);
  const { mean, std } = columnStats(rows, inputs);
  const z = rows.map((r) => Float64Array.from(cols, (j) => ((r[j] ?? 0) - (mean[j] ?? 0)) / (std[j] ?? 1)));
  const d = cols.length;
  const k = opts.outputs;
  const params = new Float64Array(k * d + k); // W then b
  const grad = new Float64Array(params.length);
  const adam = createAdam(params.length, opts.learningRate);
  const logits = new Float64Array(k);
  const batch = opts.batchSize ?? z.length;
  const batchesPerEpoch = Math.ceil(z.length / batch);
  for (let step = 0; step < opts.epochs * batchesPerEpoch; step++) {
    const start = (step % batchesPerEpoch) * batch;
    const end = Math.min(start + batch, z.length);
    grad.fill(0);
    for (let n = start; n < end; n++) {
      const x = z[n] as Float64Array;
      forwardLogits(params, x, d, k, logits);
      outputGradient(logits, labels[n] ?? 0, opts.loss);
      for (let o = 0; o < k; o++) {
        const g = logits[o] ?? 0;
        for (let j = 0; j < d; j++) grad[o * d + j] = (grad[o * d + j] ?? 0) + g * (x[j] ?? 0);
        grad[k * d + o] = (grad[k * d + o] ?? 0) + g;
      }
    }
    for (let i = 0; i < grad.length; i++) {
      const l2 = i < k * d ? (opts.l2 ?? 0) * (params[i] ?? 0) : 0;
      grad[i] = (grad[i] ?? 0) / (end - start) + l2;
    }
    adam(params, grad);
  }
  return fold(params, cols, mean, std, inputs, k);
}

function forwardLogits(params: Float64Array, x: Float64Array, d: number, k: number, out: Float64Array): void {
  for (let o = 0; o < k; o++) {
    let s = params[k * d + o] ?? 0;
    for (let j = 0; j < d; j++) s += (params[o * d + j] ?? 0) * (x[j] ?? 0);
    out[o] = s;
  }
}

// Replaces logits in place with d(loss)/d(logit).
function outputGradient(logits: Float64Array, label: number, loss: TrainOptions['loss']): void {
  if (loss === 'sigmoid') {
    logits[0] = 1 / (1 + Math.exp(-(logits[0] ?? 0))) - label;
    return;
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (let o = 0; o < logits.length; o++) {
    const e = Math.exp((logits[o] ?? 0) - max);
    logits[o] = e;
    sum += e;
  }
  for (let o = 0; o < logits.length; o++) logits[o] = (logits[o] ?? 0) / sum - (o === label ? 1 : 0);
}

function columnStats(
  rows: readonly Float64Array[],
  width: number,
): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(width);
  const std = new Float64Array(width);
  for (const r of rows) for (let j = 0; j < width; j++) mean[j] = (mean[j] ?? 0) + (r[j] ?? 0) / rows.length;
  for (const r of rows)
    for (let j = 0; j < width; j++)
      std[j] = (std[j] ?? 0) + ((r[j] ?? 0) - (mean[j] ?? 0)) ** 2 / rows.length;
  for (let j = 0; j < width; j++) std[j] = Math.sqrt(std[j] ?? 0) || 1;
  return { mean, std };
}

function fold(
  params: Float64Array,
  cols: readonly number[],
  mean: Float64Array,
  std: Float64Array,
  inputs: number,
  k: number,
): LinearModel {
  const d = cols.length;
  const weights = new Float32Array(k * inputs);
  const bias = new Float32Array(k);
  for (let o = 0; o < k; o++) {
    let b = params[k * d + o] ?? 0;
    cols.forEach((col, j) => {
      const w = (params[o * d + j] ?? 0) / (std[col] ?? 1);
      weights[o * inputs + col] = w;
      b -= w * (mean[col] ?? 0);
    });
    bias[o] = b;
  }
  return { inputs, outputs: k, weights, bias };
}

function createAdam(size: number, lr: number): (params: Float64Array, grad: Float64Array) => void {
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let t = 0;
  return (params, grad) => {
    t++;
    for (let i = 0; i < size; i++) {
      const g = grad[i] ?? 0;
      m[i] = b1 * (m[i] ?? 0) + (1 - b1) * g;
      v[i] = b2 * (v[i] ?? 0) + (1 - b2) * g * g;
      const mHat = (m[i] ?? 0) / (1 - b1 ** t);
      const vHat = (v[i] ?? 0) / (1 - b2 ** t);
      params[i] = (params[i] ?? 0) - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  };
}

/** W x + b for one raw feature row, in float64 over the model's float32 weights. */
export function linearScores(model: LinearModel, row: ArrayLike<number>): Float64Array {
  const out = new Float64Array(model.outputs);
  for (let o = 0; o < model.outputs; o++) {
    let s = model.bias[o] ?? 0;
    for (let j = 0; j < model.inputs; j++) s += (model.weights[o * model.inputs + j] ?? 0) * (row[j] ?? 0);
    out[o] = s;
  }
  return out;
}
