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
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
