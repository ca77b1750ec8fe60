/**
 * Fixed log-scale latency buckets shared by every replica and the control plane. Because the
 * boundaries never change, histograms from any replicas and minutes merge exactly by adding counts,
 * and a percentile of the merged histogram is as good as one of the raw latencies, to one bucket
 * (a factor of 2^(1/8) ≈ 9 %). Averaging replicas' percentiles has no such guarantee.
 *
 * Bucket 0 holds [0, 0.01 ms]; bucket i (1 ≤ i ≤ 192) holds (0.01·2^((i−1)/8), 0.01·2^(i/8)] ms,
 * reaching ~168 s; the last bucket holds everything slower.
 */

const MIN_MS = 0.01;
const PER_DOUBLING = 8;
const DOUBLINGS = 24;

/** Number of buckets in every latency histogram. */
export const LATENCY_BUCKET_COUNT = 1 + PER_DOUBLING * DOUBLINGS + 1;

/** Every bucket's upper bound, computed once: {@link latencyBucket} runs for every request served. */
const UPPER_MS = Float64Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) =>
  i === LATENCY_BUCKET_COUNT - 1 ? Number.POSITIVE_INFINITY : MIN_MS * 2 ** (i / PER_DOUBLING),
);

/** The upper bound, in ms, of bucket `i` (Infinity for the overflow bucket). */
export function bucketUpperMs(i: number): number {
  return i >= LATENCY_BUCKET_COUNT - 1 ? Number.POSITIVE_INFINITY : (UPPER_MS[i] as number);
}

/** The lower bound, in ms, of bucket `i` (exclusive, except 0 for bucket 0). */
export function bucketLowerMs(i: number): number {
  return i === 0 ? 0 : bucketUpperMs(i - 1);
}

/** The bucket a latency in ms falls in. */
export function latencyBucket(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  const i = Math.ceil(Math.log2(ms / MIN_MS) * PER_DOUBLING - 1e-9);
  // The guard against rounding: make sure ms really is within (lower, upper].
  let bucket = Math.min(Math.max(i, 1), LATENCY_BUCKET_COUNT - 1);
  while (bucket > 1 && ms <= (UPPER_MS[bucket - 1] as number)) bucket -= 1;
  while (bucket < LATENCY_BUCKET_COUNT - 1 && ms > (UPPER_MS[bucket] as number)) bucket += 1;
  return bucket;
}

/** An empty histogram. */
export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
}

/** Adds `other` into `into` bucket by bucket (exact: the boundaries are the same everywhere). */
export function mergeHistogram(into: number[], other: ArrayLike<number>): number[] {
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i++) into[i] = (into[i] ?? 0) + (other[i] ?? 0);
  return into;
}

/** How many samples a histogram holds. */
export function histogramCount(counts: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] ?? 0;
  return total;
}

/**
 * The q-quantile (0 < q ≤ 1) by nearest rank: the bucket holding the ⌈q·n⌉-th smallest latency,
 * reported as that bucket's geometric midpoint (its upper bound for bucket 0, its lower bound for
 * the overflow bucket). Null for an empty histogram.
 */
export function histogramQuantile(counts: ArrayLike<number>, q: number): number | null {
  const total = histogramCount(counts);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return representative(i);
  }
  return representative(counts.length - 1);
}

function representative(i: number): number {
  if (i === 0) return MIN_MS;
  if (i >= LATENCY_BUCKET_COUNT - 1) return bucketLowerMs(i);
  return Math.sqrt(bucketLowerMs(i) * bucketUpperMs(i));
}
