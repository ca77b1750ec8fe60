import { z } from 'zod';
import { ModelNameSchema, VersionLabelSchema } from './names.ts';

/** Weights are integer basis points: 10000 = 100 %. */
export const TOTAL_WEIGHT = 10000;
const WeightSchema = z.number().int().min(0).max(TOTAL_WEIGHT);

export const VersionWeightSchema = z.object({ version: VersionLabelSchema, weight: WeightSchema }).strict();
export type VersionWeight = z.infer<typeof VersionWeightSchema>;

export const SetTrafficInputSchema = z
  .object({
    model: ModelNameSchema,
    weights: z.array(VersionWeightSchema).min(1).max(64),
    baseline: VersionLabelSchema.optional(),
  })
  .strict();
export type SetTrafficInput = z.infer<typeof SetTrafficInputSchema>;

export const CanaryInputSchema = z
  .object({ model: ModelNameSchema, version: VersionLabelSchema, weight: WeightSchema })
  .strict();
export type CanaryInput = z.infer<typeof CanaryInputSchema>;

export const PromoteInputSchema = z.object({ model: ModelNameSchema, version: VersionLabelSchema }).strict();
export type PromoteInput = z.infer<typeof PromoteInputSchema>;

export const RollbackInputSchema = z
  .object({ model: ModelNameSchema, to: z.number().int().positive().optional() })
  .strict();
export type RollbackInput = z.infer<typeof RollbackInputSchema>;

export const TrafficModelInputSchema = z.object({ model: ModelNameSchema }).strict();

export const TrafficHistoryInputSchema = z
  .object({ model: ModelNameSchema, limit: z.number().int().min(1).max(500).optional() })
  .strict();

export const REVISION_ACTIONS = ['set', 'canary', 'promote', 'rollback', 'reshuffle'] as const;
export type RevisionAction = (typeof REVISION_ACTIONS)[number];

export const RevisionSchema = z.object({
  model: z.string(),
  revision: z.number(),
  action: z.enum(REVISION_ACTIONS),
  weights: z.array(VersionWeightSchema),
  baseline: z.string(),
  salt: z.string(),
  derivedFrom: z.number().nullable(),
  restoresRevision: z.number().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type Revision = z.infer<typeof RevisionSchema>;
