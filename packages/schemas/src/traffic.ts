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

/**
 * How far one replica is with a revision: `in-sync` (applied it, every version loaded), `pending`
 * (loading it, or not there yet), `failed` (a version of it failed to load, or the replica refused
 * it) or `stale` (behind for longer than REPLICA_STALE_AFTER_MS without loading anything).
 */
export const REPLICA_STATES = ['in-sync', 'pending', 'failed', 'stale'] as const;
export type ReplicaState = (typeof REPLICA_STATES)[number];

/** A rollout as a whole: every live replica in sync, any failed, or still on its way. */
export const ROLLOUT_STATES = ['complete', 'progressing', 'failed'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

/** `traffic.status`: the revision defaults to the active one. */
export const RolloutStatusInputSchema = z
  .object({ model: ModelNameSchema, revision: z.number().int().positive().optional() })
  .strict();
export type RolloutStatusInput = z.infer<typeof RolloutStatusInputSchema>;

/** One live replica's progress with the revision asked about. */
export interface ReplicaRollout {
  replicaId: string;
  hostname: string;
  state: ReplicaState;
  appliedRevision: number | null;
  /** Why the replica is not in sync (the load error, what it is loading, how far behind); null when in sync. */
  reason: string | null;
  lastSeenAt: string;
}

/** What `traffic.status` answers. */
export interface RolloutStatus {
  model: string;
  /** The revision the replicas were judged against. */
  revision: number;
  /** The model's active revision now; larger than `revision` once a later change superseded it. */
  activeRevision: number | null;
  state: RolloutState;
  replicas: ReplicaRollout[];
}
