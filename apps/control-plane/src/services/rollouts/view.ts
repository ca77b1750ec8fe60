import type { AlertEventRow, ModelVersionRow, RolloutRow, RolloutTickRow } from '@modelplane/db';

/** A rollout as operators see it: versions by label, the step ladder, the latest ticks. */
export function toRolloutView(
  modelName: string,
  row: RolloutRow,
  versions: ModelVersionRow[],
  ticks: RolloutTickRow[] = [],
) {
  const label = (id: string) => versions.find((v) => v.id === id)?.version ?? id;
  return {
    id: row.id,
    model: modelName,
    candidate: label(row.candidate_version_id),
    baseline: label(row.baseline_version_id),
    state: row.state,
    stateReason: row.state_reason,
    steps: row.steps,
    currentStep: row.current_step,
    currentWeight: row.steps[row.current_step] ?? null,
    stepStartedAt: new Date(row.step_started_at).toISOString(),
    minBakeSeconds: row.min_bake_seconds,
    minSamplesPerArm: row.min_samples_per_arm,
    tickIntervalSeconds: row.tick_interval_seconds,
    checks: row.check_config,
    options: row.options,
    consecutiveFailures: row.consecutive_failures,
    consecutiveErrors: row.consecutive_errors,
    lastTickAt: row.last_tick_at ? new Date(row.last_tick_at).toISOString() : null,
    version: row.version,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
    ticks: ticks.map((t) => ({
      at: new Date(t.ticked_at).toISOString(),
      step: t.step,
      weight: t.weight,
      windowStart: new Date(t.window_start).toISOString(),
      windowEnd: new Date(t.window_end).toISOString(),
      checks: t.checks,
      decision: t.decision,
      reason: t.reason,
      state: t.state,
    })),
  };
}
export type RolloutView = ReturnType<typeof toRolloutView>;

/**
 * One lifecycle event of a rollout (start, step, pause, resume, approve, abort, rollback,
 * promotion, promote-now, SRM alerts), operators' actions included, as the webhook carried it.
 */
export function toRolloutEventView(row: Pick<AlertEventRow, 'kind' | 'state' | 'payload' | 'created_at'>) {
  const p = (row.payload ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    at: new Date(row.created_at).toISOString(),
    kind: row.kind,
    state: row.state,
    fromWeight: num(p.fromWeight),
    toWeight: num(p.toWeight),
    reason: typeof p.reason === 'string' ? p.reason : '',
    actor: typeof p.actor === 'string' ? p.actor : '',
    analysisSkipped: p.analysisSkipped === true,
  };
}
