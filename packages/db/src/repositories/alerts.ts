import { sql } from 'kysely';
import type { AlertEventRow, AlertRuleRow } from '../types.ts';
import type { Executor } from './executor.ts';

/** A rule with its model's name. */
export type AlertRuleWithModel = AlertRuleRow & { model: string };

/** Creates the model's rule of this kind, or replaces its settings (its state is kept). */
export async function upsertAlertRule(
  db: Executor,
  rule: {
    id: string;
    modelId: string;
    kind: string;
    threshold: number;
    windowMinutes: number;
    minRequests: number;
    createdBy: string;
  },
): Promise<AlertRuleRow> {
  return db
    .insertInto('alert_rules')
    .values({
      id: rule.id,
      model_id: rule.modelId,
      kind: rule.kind,
      threshold: rule.threshold,
      window_minutes: rule.windowMinutes,
      min_requests: rule.minRequests,
      last_value: null,
      last_evaluated_at: null,
      state_changed_at: null,
      created_by: rule.createdBy,
      updated_at: sql<Date>`now()`,
    })
    .onConflict((oc) =>
      oc.columns(['model_id', 'kind']).doUpdateSet({
        threshold: rule.threshold,
        window_minutes: rule.windowMinutes,
        min_requests: rule.minRequests,
        updated_at: sql<Date>`now()`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findAlertRule(
  db: Executor,
  modelId: string,
  kind: string,
): Promise<AlertRuleRow | undefined> {
  return db
    .selectFrom('alert_rules')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('kind', '=', kind)
    .executeTakeFirst();
}

export async function deleteAlertRule(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('alert_rules').where('id', '=', id).execute();
}

/** Every rule (of one model, if named), with the model's name. */
export async function listAlertRules(db: Executor, model?: string): Promise<AlertRuleWithModel[]> {
  let query = db
    .selectFrom('alert_rules')
    .innerJoin('models', 'models.id', 'alert_rules.model_id')
    .selectAll('alert_rules')
    .select('models.name as model')
    .orderBy('models.name')
    .orderBy('alert_rules.kind');
  if (model !== undefined) query = query.where('models.name', '=', model);
  return query.execute();
}

/** Records the latest evaluation of a rule that did not change state. */
export async function recordAlertEvaluation(
  db: Executor,
  ruleId: string,
  value: number | null,
): Promise<void> {
  await db
    .updateTable('alert_rules')
    .set({ last_value: value, last_evaluated_at: sql<Date>`now()` })
    .where('id', '=', ruleId)
    .execute();
}

/** A rule started or stopped firing: flips its state and appends the event, in the caller's transaction. */
export async function recordAlertTransition(
  db: Executor,
  rule: AlertRuleWithModel,
  event: { state: 'firing' | 'resolved'; value: number | null; message: string; notify: boolean },
): Promise<AlertEventRow> {
  await db
    .updateTable('alert_rules')
    .set({
      state: event.state === 'firing' ? 'firing' : 'ok',
      last_value: event.value,
      last_evaluated_at: sql<Date>`now()`,
      state_changed_at: sql<Date>`now()`,
    })
    .where('id', '=', rule.id)
    .execute();
  return db
    .insertInto('alert_events')
    .values({
      rule_id: rule.id,
      model: rule.model,
      kind: rule.kind,
      state: event.state,
      value: event.value,
      threshold: rule.threshold,
      message: event.message,
      delivery: event.notify ? 'pending' : 'none',
      next_attempt_at: event.notify ? sql<Date>`now()` : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A webhook event that no alert rule produced: a rollout's lifecycle event or alert. */
export interface NewWebhookEvent {
  model: string;
  kind: string;
  state: 'firing' | 'resolved' | 'event';
  value: number | null;
  threshold: number | null;
  message: string;
  payload: Record<string, unknown>;
  /** Queue it for the webhook (one is configured) or only record it. */
  notify: boolean;
}

/** Appends an event to the webhook outbox, in the caller's transaction: it is posted after commit. */
export async function insertWebhookEvent(db: Executor, event: NewWebhookEvent): Promise<AlertEventRow> {
  return db
    .insertInto('alert_events')
    .values({
      rule_id: null,
      model: event.model,
      kind: event.kind,
      state: event.state,
      value: event.value,
      threshold: event.threshold,
      message: event.message,
      payload: JSON.stringify(event.payload),
      delivery: event.notify ? 'pending' : 'none',
      next_attempt_at: event.notify ? sql<Date>`now()` : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listAlertEvents(
  db: Executor,
  filter: { model?: string; limit: number },
): Promise<AlertEventRow[]> {
  let query = db.selectFrom('alert_events').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.model !== undefined) query = query.where('model', '=', filter.model);
  return query.execute();
}

/**
 * Claims up to `limit` events due for delivery for `claimMs`: a claimed event is invisible to every
 * other control plane until delivered, failed, or the claim lapses (its holder died mid-post).
 */
export async function claimDueDeliveries(
  db: Executor,
  limit: number,
  claimMs: number,
): Promise<AlertEventRow[]> {
  const { rows } = await sql<AlertEventRow>`
    UPDATE alert_events SET claimed_until = now() + make_interval(secs => ${claimMs / 1000}::double precision)
    WHERE id IN (
      SELECT id FROM alert_events
      WHERE delivery = 'pending' AND next_attempt_at <= now()
        AND (claimed_until IS NULL OR claimed_until < now())
      ORDER BY id LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING *
  `.execute(db);
  return rows;
}

/** The outcome of one delivery attempt: delivered, or failed with the next try (null: give up). */
export async function recordDeliveryAttempt(
  db: Executor,
  id: number,
  outcome: { ok: true } | { ok: false; error: string; retryInMs: number | null },
): Promise<void> {
  const set = outcome.ok
    ? { delivery: 'delivered' as const, delivered_at: sql<Date>`now()`, last_error: null }
    : outcome.retryInMs === null
      ? { delivery: 'failed' as const, last_error: outcome.error }
      : {
          last_error: outcome.error,
          next_attempt_at: sql<Date>`now() + make_interval(secs => ${outcome.retryInMs / 1000}::double precision)`,
        };
  await db
    .updateTable('alert_events')
    .set({ ...set, attempts: sql<number>`attempts + 1`, claimed_until: null })
    .where('id', '=', id)
    .execute();
}
