import { listVersions } from '@modelplane/db';
import {
  ListVersionsInputSchema,
  RegisterVersionInputSchema,
  UpdateVersionInputSchema,
  VersionRefInputSchema,
} from '@modelplane/schemas';
import { toVersion } from '../mappers.ts';
import {
  archiveVersion,
  registerVersion,
  requireModel,
  requireVersion,
  updateVersion,
} from '../services/registry.ts';
import { operatorProcedure, router, viewerProcedure } from '../trpc.ts';

export const versionsRouter = router({
  register: operatorProcedure
    .input(RegisterVersionInputSchema)
    .mutation(({ ctx, input }) => registerVersion(ctx.deps, ctx.principal, input)),
  list: viewerProcedure.input(ListVersionsInputSchema).query(async ({ ctx, input }) => {
    const model = await requireModel(ctx.deps.db, input.model);
    const rows = await listVersions(ctx.deps.db, model.id);
    return rows
      .filter((row) => input.includeArchived || row.status !== 'archived')
      .map((row) => toVersion(model.name, row));
  }),
  get: viewerProcedure.input(VersionRefInputSchema).query(async ({ ctx, input }) => {
    const model = await requireModel(ctx.deps.db, input.model);
    return toVersion(model.name, await requireVersion(ctx.deps.db, model, input.version));
  }),
  archive: operatorProcedure
    .input(VersionRefInputSchema)
    .mutation(({ ctx, input }) => archiveVersion(ctx.deps, ctx.principal, input)),
  update: operatorProcedure
    .input(UpdateVersionInputSchema)
    .mutation(({ ctx, input }) => updateVersion(ctx.deps, ctx.principal, input)),
});
