import { type Dataset, type FeatureSpec, fitToSpec } from './features.ts';
import { createRng } from './prng.ts';

/** Session features of the conversion classifier, in tensor column order. */
export const CONVERSION_FEATURES: readonly FeatureSpec[] = [
  { name: 'price', kind: 'number', min: 0, max: 5000, description: 'Price of the viewed product in EUR' },
  { name: 'discount_pct', kind: 'number', min: 0, max: 90, description: 'Discount shown, in percent' },
  { name: 'is_returning', kind: 'binary', min: 0, max: 1, description: '1 if the visitor bought before' },
  { name: 'session_minutes', kind: 'number', min: 0, max: 240, description: 'Minutes in the session so far' },
  {
    name: 'items_viewed',
    kind: 'integer',
    min: 0,
    max: 200,
    description: 'Product pages viewed this session',
  },
  { name: 'device_mobile', kind: 'binary', min: 0, max: 1, description: '1 on a phone, 0 on desktop' },
];

/** Synthetic sessions labelled 1 when the visitor bought. */
export function generateConversionData({ seed, rows }: { seed: number; rows: number }): Dataset<0 | 1> {
  const rng = createRng(seed);
  const out: Dataset<0 | 1> = { rows: [], labels: [] };
  const f = (i: number) => CONVERSION_FEATURES[i] as FeatureSpec;
  for (let n = 0; n < rows; n++) {
    const minutes = fitToSpec(f(3), Math.exp(rng.normal(2, 0.9)));
    const row = Float64Array.from([
      fitToSpec(f(0), Math.exp(rng.normal(4, 1))),
      fitToSpec(f(1), rng.bernoulli(0.4) ? rng.uniform(5, 60) : 0),
      rng.bernoulli(0.35) ? 1 : 0,
      minutes,
      fitToSpec(f(4), minutes * rng.uniform(0.3, 1.5) + rng.normal(1, 1)),
      rng.bernoulli(0.6) ? 1 : 0,
    ]);
    out.rows.push(row);
    out.labels.push(rng.bernoulli(sigmoid(trueLogit(row))) ? 1 : 0);
  }
  return out;
}

// Hidden purchase propensity: cheaper, discounted, longer sessions and returning visitors buy more.
function trueLogit(x: Float64Array): number {
  const v = (i: number) => x[i] ?? 0;
  const zPrice = (Math.log(Math.max(v(0), 1)) - 4) / 1;
  const zMinutes = (Math.log1p(v(3)) - 2) / 0.9;
  return -2 - 1.1 * zPrice + 0.05 * v(1) + 1.0 * v(2) + 0.7 * zMinutes + 0.02 * v(4) - 0.5 * v(5);
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
