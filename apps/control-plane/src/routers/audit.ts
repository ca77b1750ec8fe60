import { listAudit } from '@modelplane/db';
import { ListAuditInputSchema } from '@modelplane/schemas';
import { toAuditEntry } from '../mappers.ts';
import { router, viewerProcedure } from '../trpc.ts';

export const auditRouter = router({
  list: viewerProcedure.input(ListAuditInputSchema).query(async ({ ctx, input }) => {
    const rows = await listAudit(ctx.deps.db, {
      target: input.target,
      limit: input.limit ?? 100,
      beforeId: input.beforeId,
    });
    return rows.map(toAuditEntry);
  }),
});
