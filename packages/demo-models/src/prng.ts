/** A seeded random source: every draw comes from one mulberry32 stream, so builds are reproducible. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(min: number, max: number): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  normal(mean?: number, sd?: number): number;
  /** Standard Gumbel draw: argmax(u + gumbel) samples from softmax(u). */
  gumbel(): number;
  bernoulli(p: number): boolean;
}

/** mulberry32: small, fast and good enough for synthetic data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds an {@link Rng} on a mulberry32 stream. */
export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  // Open interval (0, 1) so logs never see 0.
  const open = () => (next() * 4294967295 + 0.5) / 4294967296;
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal: (mean = 0, sd = 1) =>
      mean + sd * Math.sqrt(-2 * Math.log(open())) * Math.cos(2 * Math.PI * next()),
    gumbel: () => -Math.log(-Math.log(open())),
    bernoulli: (p) => next() < p,
  };
}
