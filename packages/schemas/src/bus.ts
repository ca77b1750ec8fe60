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
  })
  .strict();
export type ModelChangedMessage = z.infer<typeof ModelChangedMessageSchema>;

/** The set of API tokens changed; `generation` is the new token-set generation. */
export const TokensChangedMessageSchema = z
  .object({ v: z.literal(1), kind: z.literal('tokens'), generation: z.number().int().positive() })
  .strict();
export type TokensChangedMessage = z.infer<typeof TokensChangedMessageSchema>;

/**
 * The config-change message the control plane publishes after commit. Small on purpose: it says
 * what changed, and subscribers re-read the state itself from the database.
 */
export const BusMessageSchema = z.discriminatedUnion('kind', [
  ModelChangedMessageSchema,
  TokensChangedMessageSchema,
]);
export type BusMessage = z.infer<typeof BusMessageSchema>;
