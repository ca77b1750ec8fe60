import {
  CompareInputSchema,
  SetPayloadLoggingInputSchema,
  TrafficModelInputSchema,
} from '@modelplane/schemas';
import { compareVersions } from '../services/monitoring/compare.ts';
import { getPayloadLogging, updatePayloadLogging } from '../services/monitoring/payload-logging.ts';
import { operatorProcedure, router, viewerProcedure } from '../trpc.ts';

export const metricsRouter = router({
  compare: viewerProcedure
    .input(CompareInputSchema)
    .query(({ ctx, input }) => compareVersions(ctx.deps, input)),
  payloadLogging: router({
    get: viewerProcedure
      .input(TrafficModelInputSchema)
      .query(({ ctx, input }) => getPayloadLogging(ctx.deps, input.model)),
    set: operatorProcedure
      .input(SetPayloadLoggingInputSchema)
      .mutation(({ ctx, input }) => updatePayloadLogging(ctx.deps, ctx.principal, input)),
  }),
});
