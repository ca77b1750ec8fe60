import { type Dataset, type FeatureSpec, fitToSpec } from './features.ts';
import { createRng } from './prng.ts';

/** User features of the recommender, in tensor column order. */
export const RECS_FEATURES: readonly FeatureSpec[] = [
  { name: 'days_since_signup', kind: 'integer', min: 0, max: 3650, description: 'Account age in days' },
  { name: 'sessions_30d', kind: 'integer', min: 0, max: 120, description: 'Sessions in the last 30 days' },
  { name: 'orders_90d', kind: 'integer', min: 0, max: 60, description: 'Orders in the last 90 days' },
  { name: 'avg_order_value', kind: 'number', min: 0, max: 2000, description: 'Average order value in EUR' },
  { name: 'cart_items', kind: 'integer', min: 0, max: 50, description: 'Items currently in the cart' },
  {
    name: 'affinity_electronics',
    kind: 'number',
    min: 0,
    max: 1,
    description: 'Share of views on electronics',
  },
  { name: 'affinity_fashion', kind: 'number', min: 0, max: 1, description: 'Share of views on fashion' },
  { name: 'affinity_home', kind: 'number', min: 0, max: 1, description: 'Share of views on home goods' },
];

type Category = 'electronics' | 'fashion' | 'home' | 'general';

/** The catalogue the recommender scores; output column i is RECS_PRODUCTS[i]. */
export const RECS_PRODUCTS: readonly { id: string; category: Category; tier: 0 | 1 | 2 }[] = [
  { id: 'headphones', category: 'electronics', tier: 1 },
  { id: 'phone-case', category: 'electronics', tier: 0 },
  { id: 'laptop', category: 'electronics', tier: 2 },
  { id: 'smart-speaker', category: 'electronics', tier: 1 },
  { id: 'usb-cable', category: 'electronics', tier: 0 },
  { id: 'camera', category: 'electronics', tier: 2 },
  { id: 'sneakers', category: 'fashion', tier: 1 },
  { id: 't-shirt', category: 'fashion', tier: 0 },
  { id: 'handbag', category: 'fashion', tier: 2 },
  { id: 'winter-coat', category: 'fashion', tier: 1 },
  { id: 'sunglasses', category: 'fashion', tier: 0 },
  { id: 'wristwatch', category: 'fashion', tier: 2 },
  { id: 'coffee-maker', category: 'home', tier: 1 },
  { id: 'bedsheets', category: 'home', tier: 0 },
  { id: 'desk-lamp', category: 'home', tier: 0 },
  { id: 'cookware-set', category: 'home', tier: 2 },
  { id: 'plant-pot', category: 'home', tier: 0 },
  { id: 'sofa', category: 'home', tier: 2 },
  { id: 'gift-card', category: 'general', tier: 1 },
  { id: 'sample-box', category: 'general', tier: 0 },
];

const AFFINITY_COLUMN: Record<Category, number> = { electronics: 5, fashion: 6, home: 7, general: -1 };
const AFFINITY_WEIGHT = 5;
const POPULARITY = RECS_PRODUCTS.map((_, i) => 0.4 * Math.sin(1.7 * i + 0.3));

/** How many users the generator draws for a given seed and row count. */
export interface RecsDataOptions {
  seed: number;
  rows: number;
  /** Scale of the Gumbel taste noise: larger means a less predictable preferred product. */
  noise?: number;
}

/** Synthetic users labelled with the product they end up buying (a multinomial-logit choice). */
export function generateRecsData({ seed, rows, noise = 1 }: RecsDataOptions): Dataset<number> {
  const rng = createRng(seed);
  const out: Dataset<number> = { rows: [], labels: [] };
  const f = (i: number) => RECS_FEATURES[i] as FeatureSpec;
  for (let n = 0; n < rows; n++) {
    const sessions = fitToSpec(f(1), Math.exp(rng.normal(2, 0.8)) - 1);
    const aff = [rng.normal(0, 1.5), rng.normal(0, 1.5), rng.normal(0, 1.5)].map(Math.exp);
    const affSum = (aff[0] ?? 0) + (aff[1] ?? 0) + (aff[2] ?? 0);
    const row = Float64Array.from([
      fitToSpec(f(0), Math.exp(rng.normal(5.5, 1.2))),
      sessions,
      fitToSpec(f(2), sessions * rng.uniform(0, 0.4) + rng.normal(0, 1)),
      fitToSpec(f(3), Math.exp(rng.normal(4, 0.7))),
      fitToSpec(f(4), rng.normal(4, 3)),
      ...aff.map((a) => fitToSpec(f(5), a / affSum)),
    ]);
    const utility = utilities(row);
    let best = 0;
    let bestUtility = Number.NEGATIVE_INFINITY;
    for (let p = 0; p < utility.length; p++) {
      const u = (utility[p] ?? 0) + noise * rng.gumbel();
      if (u > bestUtility) {
        bestUtility = u;
        best = p;
      }
    }
    out.rows.push(row);
    out.labels.push(best);
  }
  return out;
}

// The hidden taste model: category affinity dominates, price tier follows spending, and a few
// products answer to engagement (budget add-ons to full carts, gift cards to frequent buyers).
function utilities(x: Float64Array): Float64Array {
  const v = (i: number) => x[i] ?? 0;
  const zTenure = (Math.log1p(v(0)) - 5.5) / 1.2;
  const zSessions = (Math.log1p(v(1)) - 2) / 0.8;
  const zOrders = (v(2) - 2) / 2;
  const zAov = (Math.log(Math.max(v(3), 1)) - 4) / 0.7;
  const zCart = (v(4) - 4) / 3;
  return Float64Array.from(RECS_PRODUCTS, (product, p) => {
    const column = AFFINITY_COLUMN[product.category];
    let u = (POPULARITY[p] ?? 0) + (column < 0 ? 1 : AFFINITY_WEIGHT * v(column));
    u += 1.3 * (product.tier - 1) * zAov;
    if (product.tier === 0) u += 0.6 * zCart;
    if (product.tier === 2) u += 0.4 * zSessions;
    if (product.id === 'gift-card') u += 0.8 * zOrders;
    if (product.id === 'sample-box') u -= 1.2 * zTenure;
    return u;
  });
}
