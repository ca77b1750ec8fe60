import { randomBytes } from 'node:crypto';
import {
  type AlertEventRow,
  type AlertRuleRow,
  type AlertRuleWithModel,
  deleteAlertRule,
  findAlertRule,
  upsertAlertRule,
} from '@modelplane/db';
import {
  type AlertKind,
  NotFoundError,
  type RolloutEventKind,
  type SetAlertRuleInput,
} from '@modelplane/schemas';
import type { Principal } from '../../auth.ts';
import type { Deps } from '../../deps.ts';
import { runMutation } from '../mutation.ts';
import { requireModel } from '../registry.ts';

const iso = (date: Date | string | null) => (date === null ? null : new Date(date).toISOString());

/** Defaults per kind: SRM waits for 1000 units per arm (R5.9), the others for 100 requests. */
const DEFAULTS: Record<AlertKind, { threshold?: number; windowMinutes: number; minRequests: number }> = {
  p99_latency: { windowMinutes: 5, minRequests: 100 },
  error_rate: { threshold: 0.05, windowMinutes: 5, minRequests: 100 },
  srm: { threshold: 0.001, windowMinutes: 60, minRequests: 1000 },
  replica_stale: { windowMinutes: 1, minRequests: 0 },
};

/** An alert rule as the API shows it. */
export function toAlertRule(row: AlertRuleRow, model: string) {
  return {
    model,
    kind: row.kind as AlertKind,
    threshold: row.threshold,
    windowMinutes: row.window_minutes,
    minRequests: row.min_requests,
    state: row.state as 'ok' | 'firing',
    lastValue: row.last_value,
    lastEvaluatedAt: iso(row.last_evaluated_at),
    stateChangedAt: iso(row.state_changed_at),
    createdBy: row.created_by,
    updatedAt: iso(row.updated_at),
  };
}

/** An alert event as the API shows it. */
export function toAlertEvent(row: AlertEventRow) {
  return {
    id: Number(row.id),
    model: row.model,
    // Rollouts post their events through the same outbox (services/rollouts/events.ts).
    kind: row.kind as AlertKind | RolloutEventKind,
    state: row.state,
    value: row.value,
    threshold: row.threshold,
    message: row.message,
    at: new Date(row.created_at).toISOString(),
    delivery: row.delivery,
    attempts: row.attempts,
    lastError: row.last_error,
  };
}

export type AlertRuleView = ReturnType<typeof toAlertRule>;

/** Creates or updates the model's rule of one kind; one audit row. */
export function setAlertRule(
  deps: Deps,
  principal: Principal,
  input: SetAlertRuleInput,
): Promise<AlertRuleView> {
  return runMutation(deps, principal, async ({ tx, audit }) => {
    const model = await requireModel(tx, input.model);
    const defaults = DEFAULTS[input.kind];
    const before = await findAlertRule(tx, model.id, input.kind);
    const row = await upsertAlertRule(tx, {
      id: `ar_${randomBytes(6).toString('hex')}`,
      modelId: model.id,
      kind: input.kind,
      threshold: input.threshold ?? (defaults.threshold as number),
      windowMinutes: input.windowMinutes ?? defaults.windowMinutes,
      minRequests: input.minRequests ?? defaults.minRequests,
      createdBy: principal.actor,
    });
    const view = toAlertRule(row, model.name);
    await audit({
      action: 'alerts.rules.set',
      target: model.name,
      before: before ? toAlertRule(before, model.name) : null,
      after: view,
    });
    return view;
  });
}

/** Deletes the model's rule of one kind; its past events are kept. */
export function removeAlertRule(deps: Deps, principal: Principal, input: { model: string; kind: AlertKind }) {
  return runMutation(deps, principal, async ({ tx, audit }) => {
    const model = await requireModel(tx, input.model);
    const rule = await findAlertRule(tx, model.id, input.kind);
    if (!rule) throw new NotFoundError(`model ${input.model} has no ${input.kind} alert rule`);
    await deleteAlertRule(tx, rule.id);
    const view = toAlertRule(rule, model.name);
    await audit({ action: 'alerts.rules.delete', target: model.name, before: view });
    return view;
  });
}

export type { AlertRuleWithModel };
