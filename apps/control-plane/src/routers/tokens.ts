import { listTokens } from '@modelplane/db';
import { CreateTokenInputSchema, RevokeTokenInputSchema, UpdateTokenInputSchema } from '@modelplane/schemas';
import { toApiToken } from '../mappers.ts';
import { createToken, revokeApiToken, updateApiToken } from '../services/tokens.ts';
import { adminProcedure, router } from '../trpc.ts';

export const tokensRouter = router({
  create: adminProcedure
    .input(CreateTokenInputSchema)
    .mutation(({ ctx, input }) => createToken(ctx.deps, ctx.principal, input)),
  list: adminProcedure.query(async ({ ctx }) => (await listTokens(ctx.deps.db)).map(toApiToken)),
  revoke: adminProcedure
    .input(RevokeTokenInputSchema)
    .mutation(({ ctx, input }) => revokeApiToken(ctx.deps, ctx.principal, input)),
  update: adminProcedure
    .input(UpdateTokenInputSchema)
    .mutation(({ ctx, input }) => updateApiToken(ctx.deps, ctx.principal, input)),
});
