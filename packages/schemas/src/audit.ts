import { z } from 'zod';

export const ListAuditInputSchema = z
  .object({
    target: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    beforeId: z.number().int().positive().optional(),
  })
  .strict();
export type ListAuditInput = z.infer<typeof ListAuditInputSchema>;

export const AuditEntrySchema = z.object({
  id: z.number(),
  actor: z.string(),
  actorRole: z.string(),
  action: z.string(),
  target: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  createdAt: z.string(),
  /** The id the server gave the request (its `x-request-id` response header); null for in-process changes. */
  requestId: z.string().nullable(),
  /** The caller's address; X-Forwarded-For counts only from TRUSTED_PROXIES. */
  sourceAddress: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
