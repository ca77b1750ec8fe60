import { fleetReplicas } from '../dashboard/fleet.ts';
import { fleetOverview } from '../dashboard/overview.ts';
import { router, viewerProcedure } from '../trpc.ts';

/** Views shaped for the web dashboard's screens: one request, a fixed number of queries, per panel. */
export const dashboardRouter = router({
  overview: viewerProcedure.query(({ ctx }) => fleetOverview(ctx.deps)),
  fleet: viewerProcedure.query(({ ctx }) => fleetReplicas(ctx.deps)),
});
