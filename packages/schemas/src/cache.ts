import { z } from 'zod';
import { ModelNameSchema, VersionLabelSchema } from './names.ts';

/**
 * `cache.purge`: empties the prediction cache of a whole model, or of one of its versions, on
 * every replica (both the in-process and the Redis tier).
 */
export const CachePurgeInputSchema = z
  .object({
    model: ModelNameSchema,
    version: VersionLabelSchema.optional(),
  })
  .strict();
export type CachePurgeInput = z.infer<typeof CachePurgeInputSchema>;

/** What a purge changed: the new cache generation of the purged scope, and the new config generation. */
export const CachePurgeResultSchema = z.object({
  model: z.string(),
  /** The purged version's label, or null when the whole model was purged. */
  version: z.string().nullable(),
  /** The model's cache generation after the purge (unchanged by a version purge). */
  cacheGeneration: z.number().int(),
  /** The version's cache generation after the purge; null for a model purge. */
  versionCacheGeneration: z.number().int().nullable(),
  /** The model's config generation replicas converge to; they empty their caches when they apply it. */
  configGeneration: z.number().int(),
});
export type CachePurgeResult = z.infer<typeof CachePurgeResultSchema>;
