import { listAlertEvents, listAlertRules } from '@modelplane/db';
import {
  DeleteAlertRuleInputSchema,
  ListAlertsInputSchema,
  SetAlertRuleInputSchema,
} from '@modelplane/schemas';
import {
  removeAlertRule,
  setAlertRule,
  toAlertEvent,
  toAlertRule,
} from '../services/monitoring/alert-rules.ts';
import { requireModel } from '../services/registry.ts';
import { operatorProcedure, router, viewerProcedure } from '../trpc.ts';

export const alertsRouter = router({
  /** Every rule with its current state, and the newest firing and resolved events. */
  list: viewerProcedure.input(ListAlertsInputSchema).query(async ({ ctx, input }) => {
    if (input.model !== undefined) await requireModel(ctx.deps.db, input.model);
    const rules = await listAlertRules(ctx.deps.db, input.model);
    const events = await listAlertEvents(ctx.deps.db, { model: input.model, limit: input.limit ?? 50 });
    return {
      firing: rules.filter((r) => r.state === 'firing').map((r) => toAlertRule(r, r.model)),
      rules: rules.map((r) => toAlertRule(r, r.model)),
      events: events.map(toAlertEvent),
      webhookConfigured: ctx.deps.config.ALERT_WEBHOOK_URL !== undefined,
    };
  }),
  rules: router({
    set: operatorProcedure
      .input(SetAlertRuleInputSchema)
      .mutation(({ ctx, input }) => setAlertRule(ctx.deps, ctx.principal, input)),
    delete: operatorProcedure
      .input(DeleteAlertRuleInputSchema)
      .mutation(({ ctx, input }) => removeAlertRule(ctx.deps, ctx.principal, input)),
  }),
});
