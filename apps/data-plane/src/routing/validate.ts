import { bucketMapMismatch, decodeBucketMap, normalizeWeights, type Weights } from '@modelplane/router';
import type { ActiveRevision, VersionConfig } from './types.ts';

/** A revision as stored (in Postgres or in the disk snapshot), before it is trusted. */
export interface RevisionCandidate {
  number: number;
  salt: unknown;
  weights: unknown;
  baselineVersionId: string;
  bucketMap: Uint8Array;
  createdAt: string;
}

/**
 * Validate before apply: the weights must be a valid split over known, non-archived versions, the
 * baseline must carry traffic, and the stored bucket map must implement the weights exactly.
 * Replicas never derive or repair a map: a mismatch means the revision is refused.
 */
export function checkRevision(
  candidate: RevisionCandidate,
  versions: ReadonlyMap<string, VersionConfig>,
): { ok: true; revision: ActiveRevision } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason });
  if (typeof candidate.salt !== 'string' || candidate.salt === '') return fail('salt is missing');
  if (!Array.isArray(candidate.weights)) return fail('weights are not a list');
  const weights = candidate.weights as Weights;
  for (const entry of weights) {
    const id = (entry as { versionId?: unknown } | null)?.versionId;
    if (typeof id === 'string' && !versions.has(id)) {
      return fail(`weights name version ${id}, which is unknown or archived`);
    }
  }
  const weighted = normalizeWeights(weights.filter((w) => typeof w?.weight === 'number'));
  if (!weighted.some((w) => w.versionId === candidate.baselineVersionId)) {
    return fail(`baseline ${candidate.baselineVersionId} carries no traffic`);
  }
  let map: ReturnType<typeof decodeBucketMap>;
  try {
    map = decodeBucketMap(
      weights.map((w) => w.versionId),
      candidate.bucketMap,
    );
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const mismatch = bucketMapMismatch(map, weights);
  if (mismatch !== null) return fail(`bucket map does not match the weights: ${mismatch}`);
  return {
    ok: true,
    revision: Object.freeze({
      number: candidate.number,
      salt: candidate.salt,
      map,
      weights: Object.freeze(weighted),
      baselineVersionId: candidate.baselineVersionId,
      createdAt: candidate.createdAt,
    }),
  };
}
