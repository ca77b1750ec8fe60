import { z } from 'zod';

/** viewer reads; operator also mutates; admin also manages tokens; predict only calls the data plane. */
export const ROLES = ['viewer', 'operator', 'admin', 'predict'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** The control-plane roles in increasing power; `predict` is deliberately not among them. */
export const CONTROL_ROLES = ['viewer', 'operator', 'admin'] as const satisfies readonly Role[];
export type ControlRole = (typeof CONTROL_ROLES)[number];

/**
 * A predict token's fleet-wide quota: `perSecond` requests per second on average, with bursts of up to
 * `burst` requests. Each replica enforces its share (both divided by the live replicas).
 */
export const TokenRateSchema = z
  .object({
    perSecond: z.number().positive().max(1_000_000),
    burst: z.number().int().min(1).max(10_000_000),
  })
  .strict();
export type TokenRate = z.infer<typeof TokenRateSchema>;

export const CreateTokenInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: RoleSchema,
    rate: TokenRateSchema.optional(),
  })
  .strict()
  .refine((input) => input.rate === undefined || input.role === 'predict', {
    path: ['rate'],
    message: 'only predict tokens carry a rate (it limits calls to the data plane)',
  });
export type CreateTokenInput = z.infer<typeof CreateTokenInputSchema>;

export const RevokeTokenInputSchema = z.object({ id: z.string().min(1).max(100) }).strict();

/** Sets a token's quota, or removes it with `rate: null`. */
export const UpdateTokenInputSchema = z
  .object({ id: z.string().min(1).max(100), rate: TokenRateSchema.nullable() })
  .strict();
export type UpdateTokenInput = z.infer<typeof UpdateTokenInputSchema>;

export const ApiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  createdBy: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  rate: TokenRateSchema.nullable(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;
