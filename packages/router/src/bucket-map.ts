import { BUCKET_COUNT, bucketOf, MAX_VERSIONS } from './bucket.ts';
import { normalizeWeights, validateWeights, type Weights } from './weights.ts';

/**
 * Which version owns each bucket. `buckets[b]` is an index into `versions`; `versions` is the
 * normalized weights order, which is how the revision stores it next to the map bytes.
 */
export interface BucketMap {
  versions: readonly string[];
  buckets: Uint8Array;
}

/**
 * Why `map` is structurally unusable (wrong length, index out of range, duplicate or too many
 * versions), or null if it is well formed. Does not compare against any weights.
 */
export function bucketMapProblem(map: BucketMap): string | null {
  const { versions, buckets } = map;
  if (versions.length === 0) return 'a bucket map needs at least one version';
  if (versions.length > MAX_VERSIONS) {
    return `a bucket map holds at most ${MAX_VERSIONS} versions, got ${versions.length}`;
  }
  if (new Set(versions).size !== versions.length) return 'bucket map versions contain a duplicate id';
  if (!(buckets instanceof Uint8Array)) return 'bucket map bytes must be a Uint8Array';
  if (buckets.length !== BUCKET_COUNT) {
    return `a bucket map has exactly ${BUCKET_COUNT} buckets, got ${buckets.length}`;
  }
  for (let b = 0; b < BUCKET_COUNT; b++) {
    const index = buckets[b] as number;
    if (index >= versions.length) {
      return `bucket ${b} points at version index ${index}, but there are only ${versions.length} versions`;
    }
  }
  return null;
}

/**
 * Why `map` does not implement `weights` exactly, or null if it does: the weights must be valid,
 * the map well formed, its versions equal to the normalized weights order, and each version must
 * own exactly its weight in buckets.
 */
export function bucketMapMismatch(map: BucketMap, weights: Weights): string | null {
  const invalid = validateWeights(weights);
  if (invalid !== null) return `invalid weights: ${invalid}`;
  const malformed = bucketMapProblem(map);
  if (malformed !== null) return malformed;
  const expected = normalizeWeights(weights);
  if (expected.length !== map.versions.length || expected.some((e, i) => e.versionId !== map.versions[i])) {
    const want = expected.map((e) => e.versionId).join(', ');
    return `bucket map versions [${map.versions.join(', ')}] do not match the weights order [${want}]`;
  }
  const counts = countIndices(map);
  for (const [i, e] of expected.entries()) {
    const got = counts[i] ?? 0;
    if (got !== e.weight) return `version "${e.versionId}" owns ${got} buckets but its weight is ${e.weight}`;
  }
  return null;
}

/** True if `map` implements `weights` exactly (see `bucketMapMismatch` for the reason if not). */
export function bucketMapMatchesWeights(map: BucketMap, weights: Weights): boolean {
  return bucketMapMismatch(map, weights) === null;
}

/** Buckets owned by each version of the map, in map order (versions with none count 0). */
export function countBuckets(map: BucketMap): Map<string, number> {
  const counts = countIndices(map);
  return new Map(map.versions.map((v, i) => [v, counts[i] ?? 0]));
}

function countIndices(map: BucketMap): number[] {
  const counts = new Array<number>(map.versions.length).fill(0);
  for (const index of map.buckets) counts[index] = (counts[index] ?? 0) + 1;
  return counts;
}

/** The version owning `bucket`. Throws RangeError for a bucket outside 0..9999 (a caller bug). */
export function routeBucket(map: BucketMap, bucket: number): string {
  const version = map.versions[map.buckets[bucket] as number];
  if (version === undefined) throw new RangeError(`bucket ${bucket} is outside 0..${BUCKET_COUNT - 1}`);
  return version;
}

/** The version serving `routingKey`: sticky for a key as long as its bucket's owner is unchanged. */
export function route(map: BucketMap, salt: string, routingKey: string): string {
  return routeBucket(map, bucketOf(salt, routingKey));
}

/**
 * The 10000 bytes stored in Postgres (`bucket_map`); the versions are stored separately as the
 * weights order. Returns a copy. Throws RangeError if the map is malformed.
 */
export function encodeBucketMap(map: BucketMap): Uint8Array {
  const problem = bucketMapProblem(map);
  if (problem !== null) throw new RangeError(`cannot encode bucket map: ${problem}`);
  return map.buckets.slice();
}

/**
 * Rebuilds a map from its stored bytes and the stored version order. Copies the bytes (a driver
 * Buffer may be a view into a larger pooled allocation). Throws RangeError if the length, an
 * index or the version list is wrong.
 */
export function decodeBucketMap(versions: readonly string[], bytes: Uint8Array): BucketMap {
  const map: BucketMap = { versions: [...versions], buckets: new Uint8Array(bytes) };
  const problem = bucketMapProblem(map);
  if (problem !== null) throw new RangeError(`cannot decode bucket map: ${problem}`);
  return map;
}
