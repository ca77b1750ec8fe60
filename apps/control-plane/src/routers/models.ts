import { listModels } from '@modelplane/db';
import { CreateModelInputSchema, ModelNameInputSchema, UpdateModelInputSchema } from '@modelplane/schemas';
import { toModel } from '../mappers.ts';
import { createModel, requireModel, updateModel } from '../services/registry.ts';
import { operatorProcedure, router, viewerProcedure } from '../trpc.ts';

export const modelsRouter = router({
  create: operatorProcedure
    .input(CreateModelInputSchema)
    .mutation(({ ctx, input }) => createModel(ctx.deps, ctx.principal, input)),
  update: operatorProcedure
    .input(UpdateModelInputSchema)
    .mutation(({ ctx, input }) => updateModel(ctx.deps, ctx.principal, input)),
  list: viewerProcedure.query(async ({ ctx }) => (await listModels(ctx.deps.db)).map(toModel)),
  get: viewerProcedure
    .input(ModelNameInputSchema)
    .query(async ({ ctx, input }) => toModel(await requireModel(ctx.deps.db, input.name))),
});
