import { z } from 'zod';
import { ModelNameSchema, VersionLabelSchema } from './names.ts';

/**
 * The conversion check: FAIL when the always-valid interval on candidate − baseline conversion rate
 * lies wholly below −tolerance; promotion needs its lower bound at or above −tolerance (non-inferior).
 */
export const RolloutConversionCheckSchema = z
  .object({
    /** Seconds after a prediction within which its feedback counts; older predictions only. */
    attributionWindowSeconds: z
      .number()
      .int()
      .gt(0)
      .max(30 * 86_400),
    /** How much lower (absolute, 0.01 = one point) the candidate's rate may be; below 1 to mean anything. */
    tolerance: z.number().min(0).lt(1).default(0.01),
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    /** mSPRT tuning in units: where the always-valid interval is tightest. */
    tuning: z.number().int().min(100).max(100_000_000).default(5000),
    critical: z.boolean().default(false),
    dryRun: z.boolean().default(false),
  })
  .strict();
export type RolloutConversionCheck = z.infer<typeof RolloutConversionCheckSchema>;

/** How a rollout's checks are judged; every field has a default so `{}` is a usable config. */
export const RolloutChecksSchema = z
  .object({
    /** Always-valid 1 − alpha interval on candidate − baseline error rate. */
    errorRate: z
      .object({
        /** FAIL when the interval's lower bound exceeds this difference (0.005 = half a point). */
        tolerance: z.number().min(0).lt(1).default(0.005),
        /** FAIL when the candidate's observed error rate exceeds this, whatever the baseline does. */
        ceiling: z.number().gt(0).max(1).optional(),
        alpha: z.number().gt(0).lt(0.5).default(0.05),
        critical: z.boolean().default(true),
        dryRun: z.boolean().default(false),
      })
      .strict()
      .default({ tolerance: 0.005, alpha: 0.05, critical: true, dryRun: false }),
    latency: z
      .object({
        /** FAIL when candidate p99 ÷ baseline p99 exceeds this. */
        maxRatio: z.number().gt(1).max(100).default(1.25),
        /** Samples above the quantile each arm needs: n ≥ minTailSamples ÷ (1 − q). */
        minTailSamples: z.number().int().min(1).max(10_000).default(10),
        /**
         * Only while a window holds rollups from replicas without the uncached histogram: the check
         * then reads the histogram of all requests, and above this share of cache hits in either arm
         * that is not an uncached one, so the check is INCONCLUSIVE.
         */
        maxCacheHitShare: z.number().min(0).max(1).default(0.01),
        critical: z.boolean().default(false),
        dryRun: z.boolean().default(false),
      })
      .strict()
      .default({
        maxRatio: 1.25,
        minTailSamples: 10,
        maxCacheHitShare: 0.01,
        critical: false,
        dryRun: false,
      }),
    /**
     * Optional: conversions from outcome feedback. A prediction converts when a `true` for its
     * request arrives within attributionWindowSeconds; only predictions older than that are counted.
     */
    conversion: RolloutConversionCheckSchema.optional(),
    srm: z
      .object({ pThreshold: z.number().gt(0).lt(0.5).default(0.001) })
      .strict()
      .default({ pThreshold: 0.001 }),
    /** Seconds after a step's weight took effect before its traffic counts (replicas converging). */
    warmupSeconds: z.number().int().min(0).max(86_400).default(60),
    /**
     * How long after a rollup minute closes it may still be missing replicas' rows (they flush closed
     * minutes every ROLLUP_FLUSH_MS, 10 s by default): a minute joins the window only this long after
     * it ended, so no tick judges a half-flushed minute.
     */
    rollupLagSeconds: z.number().int().min(0).max(600).default(15),
    /** Consecutive ticks with a non-critical FAIL before rolling back. */
    failureLimit: z.number().int().min(1).max(100).default(3),
    /** Consecutive ticks with an ERROR before pausing. */
    errorLimit: z.number().int().min(1).max(100).default(3),
    /** A step that stays INCONCLUSIVE this long is paused. */
    maxStepDurationSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(86_400),
  })
  .strict();
export type RolloutChecks = z.infer<typeof RolloutChecksSchema>;

export const RolloutStepsSchema = z
  .array(z.number().gt(0).max(100))
  .min(1)
  .max(20)
  .refine((s) => s.every((w, i) => i === 0 || w > (s[i - 1] ?? 0)), 'steps must be strictly increasing')
  .refine((s) => s[s.length - 1] === 100, 'the last step must be 100 (promotion)')
  .refine((s) => s.every((w) => Number.isInteger(w * 100)), 'steps are percentages with at most 2 decimals');

export const StartRolloutInputSchema = z
  .object({
    model: ModelNameSchema,
    candidate: VersionLabelSchema,
    steps: RolloutStepsSchema.default([1, 5, 10, 25, 50, 100]),
    minBakeSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(300),
    minSamplesPerArm: z.number().int().min(0).max(100_000_000).default(1000),
    tickIntervalSeconds: z.number().int().min(1).max(3600).default(60),
    checks: RolloutChecksSchema.default(RolloutChecksSchema.parse({})),
    approvalBeforePromotion: z.boolean().default(false),
    approvalEachStep: z.boolean().default(false),
  })
  .strict();
export type StartRolloutInput = z.infer<typeof StartRolloutInputSchema>;

export const RolloutIdInputSchema = z.object({ id: z.string().min(1).max(64) }).strict();
export const RolloutListInputSchema = z
  .object({ model: ModelNameSchema.optional(), limit: z.number().int().min(1).max(500).optional() })
  .strict();

/** `rollouts.promoteNow`: the model's active rollout goes to 100 % without waiting for its checks. */
export const PromoteNowInputSchema = z
  .object({ model: ModelNameSchema, reason: z.string().trim().min(1).max(500) })
  .strict();
export type PromoteNowInput = z.infer<typeof PromoteNowInputSchema>;

/** What a rollout tells the alert webhook: lifecycle events, and alerts (`rollout.srm`, a controller's pause). */
export const ROLLOUT_EVENT_KINDS = [
  'rollout.start',
  'rollout.step',
  'rollout.await_approval',
  'rollout.pause',
  'rollout.resume',
  'rollout.rollback',
  'rollout.promote',
  'rollout.promote_now',
  'rollout.abort',
  'rollout.srm',
] as const;
export type RolloutEventKind = (typeof ROLLOUT_EVENT_KINDS)[number];
