import {
  PromoteNowInputSchema,
  RolloutIdInputSchema,
  RolloutListInputSchema,
  StartRolloutInputSchema,
} from '@modelplane/schemas';
import { promoteNow } from '../services/rollouts/promote-now.ts';
import { actOnRollout, getRollout, listRolloutViews, startRollout } from '../services/rollouts/service.ts';
import { operatorProcedure, router, viewerProcedure } from '../trpc.ts';

/** Progressive delivery: viewers read rollouts, operators start and steer them (as for traffic). */
export const rolloutsRouter = router({
  start: operatorProcedure
    .input(StartRolloutInputSchema)
    .mutation(({ ctx, input }) => startRollout(ctx.deps, ctx.principal, input)),
  get: viewerProcedure.input(RolloutIdInputSchema).query(({ ctx, input }) => getRollout(ctx.deps, input.id)),
  list: viewerProcedure
    .input(RolloutListInputSchema)
    .query(({ ctx, input }) => listRolloutViews(ctx.deps, input)),
  approve: operatorProcedure
    .input(RolloutIdInputSchema)
    .mutation(({ ctx, input }) => actOnRollout(ctx.deps, ctx.principal, input.id, 'approve')),
  pause: operatorProcedure
    .input(RolloutIdInputSchema)
    .mutation(({ ctx, input }) => actOnRollout(ctx.deps, ctx.principal, input.id, 'pause')),
  resume: operatorProcedure
    .input(RolloutIdInputSchema)
    .mutation(({ ctx, input }) => actOnRollout(ctx.deps, ctx.principal, input.id, 'resume')),
  abort: operatorProcedure
    .input(RolloutIdInputSchema)
    .mutation(({ ctx, input }) => actOnRollout(ctx.deps, ctx.principal, input.id, 'abort')),
  /** The model's active rollout straight to 100 %, skipping its checks (audited as such). */
  promoteNow: operatorProcedure
    .input(PromoteNowInputSchema)
    .mutation(({ ctx, input }) => promoteNow(ctx.deps, ctx.principal, input)),
});
