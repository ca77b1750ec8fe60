import { z } from 'zod';

/**
 * A model's routing configuration changed; `generation` is the model's new config generation, so a
 * subscriber that already holds that generation (or a later one) can ignore the message.
 */
export const ModelChangedMessageSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('model'),
    // Deliberately looser than ModelNameSchema: a subscriber should never drop a change because
    // the control plane learned a new naming rule first.
    model: z.string(),
    generation: z.number().int().positive(),
    /**
     * The model's routing rows as committed at `generation` (JSON as Postgres renders them), so a
     * subscriber can apply the change without a database read. Absent: re-read the database.
     */
    rows: z
      .object({
        models: z.array(z.record(z.string(), z.unknown())),
        versions: z.array(z.record(z.string(), z.unknown())),
        revisions: z.array(z.record(z.string(), z.unknown())),
      })
      .optional(),
  })
  .strict();
export type ModelChangedMessage = z.infer<typeof ModelChangedMessageSchema>;

/** The set of API tokens changed; `generation` is the new token-set generation. */
export const TokensChangedMessageSchema = z
  .object({ v: z.literal(1), kind: z.literal('tokens'), generation: z.number().int().positive() })
  .strict();
export type TokensChangedMessage = z.infer<typeof TokensChangedMessageSchema>;

/**
 * The config-change message the control plane publishes after commit: what changed and, for a
 * model, its committed routing rows, so a fleet of replicas does not read Postgres all at once on
 * every change. Subscribers fall back to reading the database when the rows are absent or unusable.
 */
export const BusMessageSchema = z.discriminatedUnion('kind', [
  ModelChangedMessageSchema,
  TokensChangedMessageSchema,
]);
export type BusMessage = z.infer<typeof BusMessageSchema>;
