import { BUCKET_COUNT } from './bucket.ts';
import { type BucketMap, bucketMapProblem } from './bucket-map.ts';
import { normalizeWeights, validateWeights, type Weights } from './weights.ts';

/**
 * The bucket map for `weights`, moving as few buckets as possible from `previous`.
 *
 * - `versions` is the normalized weights order and each version owns exactly its weight in buckets.
 * - Exactly TVD buckets change owner (half the sum of |old count - new count| over all versions),
 *   the minimum possible: only versions that shrink (or vanish) give up buckets, and only versions
 *   that grow receive them. A version whose count does not drop keeps every bucket it had, so a
 *   canary ramped up never loses a user it already serves.
 * - A shrinking version gives up its highest-numbered buckets first; freed buckets go, lowest
 *   first, to the growing versions in weights order. Bucket numbers are uniform hashes, so this
 *   fixed choice is as good as a random one, and it makes the result deterministic.
 * - With no previous map the versions get contiguous ranges in weights order.
 *
 * Throws RangeError on invalid weights or a malformed previous map.
 */
export function deriveBucketMap(previous: BucketMap | null, weights: Weights): BucketMap {
  const invalid = validateWeights(weights);
  if (invalid !== null) throw new RangeError(`cannot derive a bucket map: ${invalid}`);
  const target = normalizeWeights(weights);
  const versions = target.map((e) => e.versionId);
  const want = target.map((e) => e.weight);
  const buckets = previous === null ? contiguous(want) : rebalance(previous, versions, want);
  return { versions, buckets };
}

function contiguous(want: readonly number[]): Uint8Array {
  const buckets = new Uint8Array(BUCKET_COUNT);
  let start = 0;
  for (const [j, count] of want.entries()) {
    buckets.fill(j, start, start + count);
    start += count;
  }
  return buckets;
}

function rebalance(previous: BucketMap, versions: readonly string[], want: readonly number[]): Uint8Array {
  const malformed = bucketMapProblem(previous);
  if (malformed !== null) throw new RangeError(`previous bucket map is malformed: ${malformed}`);
  const newIndex = new Map(versions.map((v, j) => [v, j]));
  // Old version index -> new version index, or -1 when the version no longer receives traffic.
  const remap = previous.versions.map((v) => newIndex.get(v) ?? -1);
  const oldBuckets = previous.buckets;

  const have = new Array<number>(versions.length).fill(0);
  for (const old of oldBuckets) {
    const j = remap[old] ?? -1;
    if (j >= 0) have[j] = (have[j] ?? 0) + 1;
  }
  const excess = want.map((w, j) => Math.max(0, (have[j] ?? 0) - w));

  const out = new Uint8Array(BUCKET_COUNT);
  const freed: number[] = [];
  for (let b = BUCKET_COUNT - 1; b >= 0; b--) {
    const j = remap[oldBuckets[b] as number] ?? -1;
    if (j >= 0 && excess[j] === 0) {
      out[b] = j;
    } else {
      if (j >= 0) excess[j] = (excess[j] ?? 0) - 1;
      freed.push(b);
    }
  }

  // `freed` is in descending order; pop() hands out the lowest bucket first.
  for (const [j, w] of want.entries()) {
    for (let d = w - (have[j] ?? 0); d > 0; d--) out[freed.pop() as number] = j;
  }
  return out;
}
