import { CachePurgeInputSchema } from '@modelplane/schemas';
import { purgeCache } from '../services/cache.ts';
import { operatorProcedure, router } from '../trpc.ts';

/** The data planes' prediction cache. */
export const cacheRouter = router({
  purge: operatorProcedure
    .input(CachePurgeInputSchema)
    .mutation(({ ctx, input }) => purgeCache(ctx.deps, ctx.principal, input)),
});
