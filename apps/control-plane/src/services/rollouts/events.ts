import {
  type Executor,
  insertRolloutTick,
  insertWebhookEvent,
  listVersions,
  type NewRolloutTick,
  previousRolloutTick,
  type RolloutRow,
  type RolloutState,
} from '@modelplane/db';
import type { RolloutEventKind } from '@modelplane/schemas';
import type { Deps } from '../../deps.ts';
import type { CheckResult } from './checks.ts';
import type { Decision } from './decide.ts';

/** Events are queued for delivery only when a webhook is configured; otherwise they are only recorded. */
export function webhookConfigured(deps: Deps): boolean {
  return deps.config.ALERT_WEBHOOK_URL !== undefined;
}

/** One rollout event as the transition that causes it describes it. */
export interface RolloutEvent {
  kind: RolloutEventKind;
  /** `event` for the lifecycle; `firing` / `resolved` for a rollout alert (SRM, the controller pausing). */
  state: 'event' | 'firing' | 'resolved';
  /** The rollout's state after the transition. */
  rolloutState: RolloutState;
  /** The candidate's percentage before and after. */
  fromWeight: number;
  toWeight: number;
  reason: string;
  actor: string;
  /** The tick that decided it; null for an operator's action. */
  tickId: number | null;
  value?: number | null;
  threshold?: number | null;
  /** promote-now: the step to 100 % was taken without the checks. */
  analysisSkipped?: boolean;
}

/**
 * Appends a rollout event to the alert webhook's outbox, in the transition's own transaction, so it
 * is posted (claimed, retried, deduplicable by `id`) only if the transition commits. `notify` is
 * whether a webhook is configured; without one the event is only recorded (`alerts` lists it).
 */
export async function recordRolloutEvent(
  tx: Executor,
  notify: boolean,
  modelName: string,
  row: RolloutRow,
  event: RolloutEvent,
): Promise<void> {
  const versions = await listVersions(tx, row.model_id);
  const label = (id: string) => versions.find((v) => v.id === id)?.version ?? id;
  const candidate = label(row.candidate_version_id);
  const baseline = label(row.baseline_version_id);
  await insertWebhookEvent(tx, {
    model: modelName,
    kind: event.kind,
    state: event.state,
    value: event.value ?? null,
    threshold: event.threshold ?? null,
    message: `${modelName}@${candidate} rollout ${row.id}: ${describe(event)} (${event.reason})`,
    notify,
    payload: {
      alert: event.state !== 'event',
      rollout: { id: row.id, candidate, baseline, state: event.rolloutState, steps: row.steps },
      candidate,
      baseline,
      fromWeight: event.fromWeight,
      toWeight: event.toWeight,
      reason: event.reason,
      actor: event.actor,
      tick: event.tickId === null ? null : { id: event.tickId },
      analysisSkipped: event.analysisSkipped ?? false,
    },
  });
}

function describe(event: RolloutEvent): string {
  const weights = `${event.fromWeight}% → ${event.toWeight}%`;
  switch (event.kind) {
    case 'rollout.start':
      return `started at ${event.toWeight}%`;
    case 'rollout.step':
      return `step ${weights}`;
    case 'rollout.promote':
      return `promoted (${weights})`;
    case 'rollout.promote_now':
      return `promoted now, analysis skipped (${weights})`;
    case 'rollout.rollback':
      return `rolled back (${weights})`;
    case 'rollout.abort':
      return `aborted (${weights})`;
    case 'rollout.srm':
      return event.state === 'firing' ? 'sample ratio mismatch' : 'sample ratio matches again';
    default:
      return `${event.kind.slice('rollout.'.length).replace('_', ' ')} at ${event.toWeight}%`;
  }
}

const TICK_EVENTS: Partial<Record<Decision, { kind: RolloutEventKind; state: RolloutEvent['state'] }>> = {
  advance: { kind: 'rollout.step', state: 'event' },
  promote: { kind: 'rollout.promote', state: 'event' },
  rollback: { kind: 'rollout.rollback', state: 'event' },
  // A pause by the controller needs someone to look: an alert.
  pause: { kind: 'rollout.pause', state: 'firing' },
  await_approval: { kind: 'rollout.await_approval', state: 'event' },
};

/**
 * Appends an applied tick and its events: the transition's (none for a hold), and the SRM alert when
 * the split starts failing (`firing`) or passes again after failing (`resolved`), once per incident.
 */
export async function recordTick(
  tx: Executor,
  notify: boolean,
  modelName: string,
  row: RolloutRow,
  tick: Omit<NewRolloutTick, 'decision' | 'checks'> & { decision: Decision; checks: CheckResult[] },
  actor: string,
): Promise<void> {
  const tickId = await insertRolloutTick(tx, tick);
  const from = row.steps[row.current_step] ?? 0;
  const common = { rolloutState: tick.state, reason: tick.reason, actor, tickId };
  const srm = tick.checks.find((c) => c.check === 'srm');
  if (srm && (srm.verdict === 'FAIL' || srm.verdict === 'PASS')) {
    const before = await previousRolloutTick(tx, row.id, tickId);
    const wasFailing = (before?.checks as CheckResult[] | undefined)?.some(
      (c) => c.check === 'srm' && c.verdict === 'FAIL',
    );
    if ((srm.verdict === 'FAIL') !== Boolean(wasFailing)) {
      await recordRolloutEvent(tx, notify, modelName, row, {
        ...common,
        kind: 'rollout.srm',
        state: srm.verdict === 'FAIL' ? 'firing' : 'resolved',
        fromWeight: from,
        toWeight: from,
        reason: srm.reason,
        value: srm.estimate,
        threshold: srm.threshold,
      });
    }
  }
  const transition = TICK_EVENTS[tick.decision];
  if (!transition) return;
  await recordRolloutEvent(tx, notify, modelName, row, {
    ...common,
    ...transition,
    fromWeight: from,
    toWeight: tick.decision === 'rollback' ? 0 : tick.decision === 'promote' ? 100 : tick.weight,
  });
}
