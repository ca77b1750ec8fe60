import { z } from 'zod';
import { ArtifactSchema, BackendSchema, ServingOptionsSchema } from './backend.ts';
import { ModelNameSchema, VersionLabelSchema } from './names.ts';
import { VersionSignatureSchema, WarmupRequestSchema } from './warmup.ts';

export const VERSION_STATUSES = ['staging', 'canary', 'production', 'archived'] as const;
export const VersionStatusSchema = z.enum(VERSION_STATUSES);
export type VersionStatus = z.infer<typeof VersionStatusSchema>;

export const CachePolicySchema = z
  .object({
    enabled: z.boolean(),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600),
  })
  .strict();
export type CachePolicy = z.infer<typeof CachePolicySchema>;

/**
 * Largest input or output schema a version may carry, as compact JSON. Schemas travel to every
 * replica inside change messages and heartbeats' tables, so an unbounded one could push a message
 * past Redis's pub/sub output limit and disconnect the fleet.
 */
export const MAX_SCHEMA_BYTES = 256 * 1024;

const JsonSchemaObject = z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
  const bytes = new TextEncoder().encode(JSON.stringify(schema)).length;
  if (bytes > MAX_SCHEMA_BYTES) {
    ctx.addIssue({
      code: 'custom',
      message: `is ${bytes} bytes as JSON; a schema may be at most ${MAX_SCHEMA_BYTES} bytes`,
    });
  }
});
const MetricsSchema = z.record(
  z.string().min(1).max(64),
  z.number().refine(Number.isFinite, 'must be finite'),
);

export const CreateModelInputSchema = z
  .object({
    name: ModelNameSchema,
    description: z.string().max(2000).optional(),
    cache: CachePolicySchema.optional(),
  })
  .strict();
export type CreateModelInput = z.infer<typeof CreateModelInputSchema>;

export const UpdateModelInputSchema = z
  .object({
    name: ModelNameSchema,
    description: z.string().max(2000).optional(),
    cache: CachePolicySchema.optional(),
  })
  .strict();
export type UpdateModelInput = z.infer<typeof UpdateModelInputSchema>;

export const ModelNameInputSchema = z.object({ name: ModelNameSchema }).strict();

export const RegisterVersionInputSchema = z
  .object({
    model: ModelNameSchema,
    version: VersionLabelSchema,
    backend: BackendSchema,
    artifact: ArtifactSchema.optional(),
    inputSchema: JsonSchemaObject.optional(),
    outputSchema: JsonSchemaObject.optional(),
    servingOptions: ServingOptionsSchema.optional(),
    metrics: MetricsSchema.optional(),
    description: z.string().max(2000).optional(),
    /** Run by replicas after creating the session; a failure makes the version unservable. */
    warmup: WarmupRequestSchema.optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.backend.kind === 'onnx' && !input.artifact) {
      ctx.addIssue({ code: 'custom', path: ['artifact'], message: 'an onnx version needs an artifact' });
    }
    if (input.backend.kind !== 'onnx' && input.warmup) {
      ctx.addIssue({
        code: 'custom',
        path: ['warmup'],
        message: 'only onnx versions run a warm-up request (a remote server warms its own models)',
      });
    }
  });
export type RegisterVersionInput = z.infer<typeof RegisterVersionInputSchema>;

export const VersionRefInputSchema = z
  .object({ model: ModelNameSchema, version: VersionLabelSchema })
  .strict();
export type VersionRefInput = z.infer<typeof VersionRefInputSchema>;

export const ListVersionsInputSchema = z
  .object({ model: ModelNameSchema, includeArchived: z.boolean().optional() })
  .strict();

export const UpdateVersionInputSchema = z
  .object({
    model: ModelNameSchema,
    version: VersionLabelSchema,
    servingOptions: ServingOptionsSchema,
  })
  .strict();
export type UpdateVersionInput = z.infer<typeof UpdateVersionInputSchema>;

export const ModelSchema = z.object({
  name: z.string(),
  description: z.string(),
  cache: CachePolicySchema,
  configGeneration: z.number(),
  activeRevision: z.number().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type Model = z.infer<typeof ModelSchema>;

export const ModelVersionSchema = z.object({
  id: z.string(),
  model: z.string(),
  version: z.string(),
  ref: z.string(),
  backend: BackendSchema,
  artifact: ArtifactSchema.nullable(),
  inputSchema: JsonSchemaObject.nullable(),
  outputSchema: JsonSchemaObject.nullable(),
  servingOptions: ServingOptionsSchema,
  metrics: MetricsSchema,
  /** Read from the ONNX artifact at registration when it was uploaded (artifact://); else null. */
  signature: VersionSignatureSchema.nullable(),
  warmup: WarmupRequestSchema.nullable(),
  status: VersionStatusSchema,
  description: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type ModelVersion = z.infer<typeof ModelVersionSchema>;
