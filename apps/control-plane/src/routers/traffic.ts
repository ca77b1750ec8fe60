import { findRevision, listRevisions, listVersions } from '@modelplane/db';
import {
  CanaryInputSchema,
  PromoteInputSchema,
  RollbackInputSchema,
  RolloutStatusInputSchema,
  SetTrafficInputSchema,
  TrafficHistoryInputSchema,
  TrafficModelInputSchema,
} from '@modelplane/schemas';
import { requireModel } from '../services/registry.ts';
import { listReplicaStatuses } from '../services/replicas.ts';
import { toRevision } from '../services/revision-view.ts';
import { rolloutStatus } from '../services/rollout.ts';
import { canary, promote, reshuffle, rollback, setTraffic } from '../services/traffic.ts';
import { operatorProcedure, router, viewerProcedure } from '../trpc.ts';

export const trafficRouter = router({
  get: viewerProcedure.input(TrafficModelInputSchema).query(async ({ ctx, input }) => {
    const model = await requireModel(ctx.deps.db, input.model);
    const versions = await listVersions(ctx.deps.db, model.id);
    const active = model.active_revision
      ? await findRevision(ctx.deps.db, model.id, model.active_revision)
      : null;
    return {
      model: model.name,
      configGeneration: Number(model.config_generation),
      revision: active ? toRevision(model.name, active, versions) : null,
      versions: versions.map((v) => ({ version: v.version, status: v.status })),
      replicas: await listReplicaStatuses(ctx.deps, model, active ?? null, versions),
    };
  }),
  /** Rollout progress of a revision on every live replica; poll it to wait for a change to land. */
  status: viewerProcedure
    .input(RolloutStatusInputSchema)
    .query(({ ctx, input }) => rolloutStatus(ctx.deps, input)),
  history: viewerProcedure.input(TrafficHistoryInputSchema).query(async ({ ctx, input }) => {
    const model = await requireModel(ctx.deps.db, input.model);
    const versions = await listVersions(ctx.deps.db, model.id);
    const rows = await listRevisions(ctx.deps.db, model.id, input.limit ?? 50);
    return rows.map((row) => ({
      ...toRevision(model.name, row, versions),
      active: row.revision === model.active_revision,
    }));
  }),
  set: operatorProcedure
    .input(SetTrafficInputSchema)
    .mutation(({ ctx, input }) => setTraffic(ctx.deps, ctx.principal, input)),
  canary: operatorProcedure
    .input(CanaryInputSchema)
    .mutation(({ ctx, input }) => canary(ctx.deps, ctx.principal, input)),
  promote: operatorProcedure
    .input(PromoteInputSchema)
    .mutation(({ ctx, input }) => promote(ctx.deps, ctx.principal, input)),
  rollback: operatorProcedure
    .input(RollbackInputSchema)
    .mutation(({ ctx, input }) => rollback(ctx.deps, ctx.principal, input)),
  reshuffle: operatorProcedure
    .input(TrafficModelInputSchema)
    .mutation(({ ctx, input }) => reshuffle(ctx.deps, ctx.principal, input)),
});
