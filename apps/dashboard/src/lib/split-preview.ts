import { BUCKET_COUNT, deriveBucketMap, validateWeights } from '@modelplane/router';

export interface WeightByVersion {
  version: string;
  weight: number;
}

/**
 * How many routing buckets (one bucket = 1/10000 of routing keys) change version when the split
 * goes from `current` to `next`, computed with the control plane's own minimal-movement bucket map
 * derivation. The count does not depend on where the current map's buckets lie, only on the
 * weights, so deriving the current map afresh gives the same number the control plane will move.
 */
export function bucketsMoved(current: readonly WeightByVersion[], next: readonly WeightByVersion[]): number {
  const toWeights = (split: readonly WeightByVersion[]) =>
    split.map((w) => ({ versionId: w.version, weight: w.weight }));
  if (validateWeights(toWeights(next)) !== null || validateWeights(toWeights(current)) !== null) return 0;
  const before = deriveBucketMap(null, toWeights(current));
  const after = deriveBucketMap(before, toWeights(next));
  let moved = 0;
  for (let b = 0; b < BUCKET_COUNT; b++) {
    if (before.versions[before.buckets[b] ?? 0] !== after.versions[after.buckets[b] ?? 0]) moved++;
  }
  return moved;
}

/** Parses a percentage typed in the editor ("12.5") into basis points, or null when it is not one. */
export function percentToBp(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(trimmed)) return null;
  const bp = Math.round(Number(trimmed) * 100);
  return bp >= 0 && bp <= BUCKET_COUNT ? bp : null;
}
