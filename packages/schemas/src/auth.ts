import { z } from 'zod';

/** viewer reads; operator also mutates; admin also manages tokens; predict only calls the data plane. */
export const ROLES = ['viewer', 'operator', 'admin', 'predict'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** The control-plane roles in increasing power; `predict` is deliberately not among them. */
export const CONTROL_ROLES = ['viewer', 'operator', 'admin'] as const satisfies readonly Role[];
export type ControlRole = (typeof CONTROL_ROLES)[number];

export const CreateTokenInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: RoleSchema,
  })
  .strict();
export type CreateTokenInput = z.infer<typeof CreateTokenInputSchema>;

export const RevokeTokenInputSchema = z.object({ id: z.string().min(1).max(100) }).strict();

export const ApiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  createdBy: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;
