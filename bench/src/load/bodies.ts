/**
 * Request bodies the load generator sends, built from a request counter so every run is
 * reproducible and, for `distinct`, no two requests in a run carry the same input.
 */
export type BodyKind =
  /** A new recs instance (and routing key) on every request: nothing can be served from a cache. */
  | { kind: 'distinct'; offset: number }
  /** A small set of recs instances repeated in turn: after one pass every request is a cache hit. */
  | { kind: 'pool'; size: number }
  /** heavy-mlp rows: 256 floats, cycled through a pool. */
  | { kind: 'heavy'; size: number };

/** One recs instance; mixed-radix digits of `i` keep instances distinct for the first 1.3 billion i. */
export function recsInstance(i: number): Record<string, number> {
  return {
    days_since_signup: i % 3651,
    sessions_30d: Math.floor(i / 3651) % 121,
    orders_90d: Math.floor(i / (3651 * 121)) % 61,
    avg_order_value: ((i * 37) % 200_000) / 100,
    cart_items: Math.floor(i / (3651 * 121 * 61)) % 51,
    affinity_electronics: ((i * 7) % 101) / 100,
    affinity_fashion: ((i * 11) % 101) / 100,
    affinity_home: ((i * 17) % 101) / 100,
  };
}

/** A recs predict body with a sticky routing key, as a client of either design would send it. */
export function recsBody(i: number): string {
  return JSON.stringify({ routingKey: `user-${i % 100_000}`, instances: [recsInstance(i)] });
}

/** A heavy-mlp predict body: one row of 256 values in [0, 1). */
export function heavyBody(i: number): string {
  const row: number[] = [];
  for (let j = 0; j < 256; j++) row.push(((i * 31 + j * 17) % 1000) / 1000);
  return JSON.stringify({ instances: [row] });
}

/** The body generator for a kind: request n of the run gets `make(n)`. */
export function bodyMaker(kind: BodyKind): (n: number) => string {
  switch (kind.kind) {
    case 'distinct':
      return (n) => recsBody(kind.offset + n);
    case 'pool': {
      const bodies = Array.from({ length: kind.size }, (_, i) => recsBody(i));
      return (n) => bodies[n % kind.size] as string;
    }
    case 'heavy': {
      const bodies = Array.from({ length: kind.size }, (_, i) => heavyBody(i));
      return (n) => bodies[n % kind.size] as string;
    }
  }
}
