export { BUCKET_COUNT, bucketOf, MAX_VERSIONS, newSalt, randomBucket } from './bucket.ts';
export {
  type BucketMap,
  bucketMapMatchesWeights,
  bucketMapMismatch,
  bucketMapProblem,
  countBuckets,
  decodeBucketMap,
  encodeBucketMap,
  route,
  routeBucket,
} from './bucket-map.ts';
export { deriveBucketMap } from './derive-bucket-map.ts';
export { murmur3 } from './murmur3.ts';
export {
  canaryWeights,
  normalizeWeights,
  scaleProportionally,
  validateWeights,
  type WeightEntry,
  type Weights,
} from './weights.ts';
