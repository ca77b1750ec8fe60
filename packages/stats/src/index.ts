export {
  chiSquareCdf,
  chiSquareSurvival,
  normalCdf,
  normalQuantile,
  normalSurvival,
  studentTCdf,
  studentTQuantile,
  studentTTwoSided,
} from './distributions.ts';
export {
  type CompareOptions,
  type Comparison,
  compareConversions,
  compareMeans,
  type LiftEstimate,
} from './lift.ts';
export {
  bucketLowerMs,
  bucketUpperMs,
  emptyHistogram,
  histogramCount,
  histogramQuantile,
  LATENCY_BUCKET_COUNT,
  latencyBucket,
  mergeHistogram,
} from './log-histogram.ts';
export { DEFAULT_SEQUENTIAL_TUNING, mixingRho, sequentialHalfWidth } from './sequential.ts';
export { SRM_P_THRESHOLD, type SrmResult, sampleRatioMismatch } from './srm.ts';
export {
  type Interval,
  meanInterval,
  type SampleSummary,
  summarize,
  twoProportionZTest,
  welchTTest,
  wilsonInterval,
} from './tests.ts';
