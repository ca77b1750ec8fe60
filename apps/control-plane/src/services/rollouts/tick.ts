import {
  findModelByName,
  findRevision,
  findRollout,
  listVersions,
  lockModelByName,
  type RolloutRow,
  rolloutModelName,
  updateRolloutIfVersion,
  windowRollup,
} from '@modelplane/db';
import { RolloutChecksSchema } from '@modelplane/schemas';
import { LATENCY_BUCKET_COUNT } from '@modelplane/stats';
import { sql } from 'kysely';
import type { Principal } from '../../auth.ts';
import type { Deps } from '../../deps.ts';
import { runMutation } from '../mutation.ts';
import { type CheckResult, runChecks } from './checks.ts';
import { evaluateConversion } from './conversion-check.ts';
import { type DecisionResult, decide } from './decide.ts';
import { recordTick, webhookConfigured } from './events.ts';
import { moveRolloutTraffic, StaleRolloutError } from './traffic-step.ts';

/** The actor named in the audit log for the controller's own transitions. */
export const ROLLOUT_CONTROLLER: Principal = { actor: 'rollout-controller', role: 'operator' };

/** One tick's evaluation: everything recomputed from rollups, nothing kept in memory. */
export interface Evaluation {
  modelName: string;
  windowStart: Date;
  windowEnd: Date;
  checks: CheckResult[];
  result: DecisionResult;
}

const MINUTE = 60_000;

/**
 * Evaluates a rollout on the window [step start + warm-up, now − rollup lag), in whole rollup
 * minutes: the start rounds up so no minute from before the step counts, the end rounds down so the
 * minute still being filled, and one closed too recently for every replica to have flushed it, are
 * left out.
 */
export async function evaluateRollout(deps: Deps, row: RolloutRow): Promise<Evaluation> {
  const modelName = (await rolloutModelName(deps.db, row.model_id)) ?? '';
  const checksConfig = RolloutChecksSchema.parse(row.check_config);
  const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(deps.db);
  const now = new Date(rows[0]?.now ?? Date.now());
  const stepStart = new Date(row.step_started_at);
  const warm = stepStart.getTime() + checksConfig.warmupSeconds * 1000;
  const windowStart = new Date(Math.ceil(warm / MINUTE) * MINUTE);
  const flushed = now.getTime() - checksConfig.rollupLagSeconds * 1000;
  const windowEnd = new Date(Math.max(windowStart.getTime(), Math.floor(flushed / MINUTE) * MINUTE));
  const versions = await listVersions(deps.db, row.model_id);
  const label = (id: string) => versions.find((v) => v.id === id)?.version ?? id;
  const baselineLabel = label(row.baseline_version_id);
  const candidateLabel = label(row.candidate_version_id);
  const rollup = (version: string) =>
    windowRollup(deps.db, modelName, version, windowStart, windowEnd, LATENCY_BUCKET_COUNT);
  const baseline = await rollup(baselineLabel);
  const candidate = await rollup(candidateLabel);
  const share = await candidateShare(deps, row, modelName);
  const comparisons = runChecks(baseline, candidate, share, checksConfig);
  const conversion = await evaluateConversion(
    deps.db,
    modelName,
    { baseline: baselineLabel, candidate: candidateLabel },
    { start: windowStart, end: windowEnd },
    checksConfig.conversion,
    comparisons,
  );
  const checks = [...comparisons, ...conversion];
  const options = row.options as { approvalBeforePromotion?: boolean; approvalEachStep?: boolean };
  const result = decide(
    {
      state: row.state,
      steps: row.steps,
      currentStep: row.current_step,
      stepAgeSeconds: (now.getTime() - stepStart.getTime()) / 1000,
      minBakeSeconds: row.min_bake_seconds,
      minSamplesPerArm: row.min_samples_per_arm,
      samples: { baseline: baseline.requests, candidate: candidate.requests },
      failureLimit: checksConfig.failureLimit,
      errorLimit: checksConfig.errorLimit,
      maxStepDurationSeconds: checksConfig.maxStepDurationSeconds,
      approvalBeforePromotion: options.approvalBeforePromotion ?? false,
      approvalEachStep: options.approvalEachStep ?? false,
      consecutiveFailures: row.consecutive_failures,
      consecutiveErrors: row.consecutive_errors,
    },
    checks,
  );
  return { modelName, windowStart, windowEnd, checks, result };
}

/** The candidate's share of the two arms in the active revision (other versions left aside). */
async function candidateShare(deps: Deps, row: RolloutRow, modelName: string): Promise<number> {
  const model = await findModelByName(deps.db, modelName);
  const active = model?.active_revision
    ? await findRevision(deps.db, row.model_id, model.active_revision)
    : null;
  const weightOf = (id: string) => active?.weights.find((w) => w.versionId === id)?.weight ?? 0;
  const c = weightOf(row.candidate_version_id);
  const b = weightOf(row.baseline_version_id);
  return c + b > 0 ? c / (c + b) : (row.steps[row.current_step] ?? 0) / 100;
}

/**
 * Applies an evaluation to the rollout as it was read (`row`). Every write is conditional on
 * `row.version`, in the same transaction as any revision change and its audit row, so a stale
 * controller (an old leader, a tick racing an operator) changes nothing. Returns whether it applied.
 */
export async function applyEvaluation(deps: Deps, row: RolloutRow, ev: Evaluation): Promise<boolean> {
  const { decision, reason, consecutiveFailures, consecutiveErrors } = ev.result;
  const counters = { consecutiveFailures, consecutiveErrors, ticked: true };
  const notify = webhookConfigured(deps);
  const tick = (state: RolloutRow['state'], step = row.current_step) => ({
    rolloutId: row.id,
    step,
    weight: row.steps[step] ?? 0,
    windowStart: ev.windowStart,
    windowEnd: ev.windowEnd,
    checks: ev.checks,
    decision,
    reason,
    state,
  });
  try {
    if (decision === 'hold') {
      await deps.db.transaction().execute(async (tx) => {
        // Operators' actions lock the model and then read the rollout: taking the same lock first
        // makes a hold wait for them (and lose, stale) instead of bumping `version` under them,
        // which would refuse their pause or abort as "changed by someone else" on every tick.
        await lockModelByName(tx, ev.modelName);
        if (!(await updateRolloutIfVersion(tx, row.id, row.version, counters)))
          throw new StaleRolloutError(row.id);
        await recordTick(tx, notify, ev.modelName, row, tick(row.state), ROLLOUT_CONTROLLER.actor);
      });
      return true;
    }
    await runMutation(deps, ROLLOUT_CONTROLLER, async (ctx) => {
      if (decision === 'pause' || decision === 'await_approval') {
        const state = decision === 'pause' ? 'paused' : 'waiting_approval';
        await lockModelByName(ctx.tx, ev.modelName);
        if (
          !(await updateRolloutIfVersion(ctx.tx, row.id, row.version, {
            ...counters,
            state,
            stateReason: reason,
          }))
        ) {
          throw new StaleRolloutError(row.id);
        }
        await ctx.audit({
          action: `rollout.${decision}`,
          target: ev.modelName,
          after: { rollout: row.id, reason },
        });
        await recordTick(ctx.tx, notify, ev.modelName, row, tick(state), ROLLOUT_CONTROLLER.actor);
        return;
      }
      const next = row.current_step + 1;
      const move =
        decision === 'rollback'
          ? ({ kind: 'drain' } as const)
          : decision === 'promote'
            ? ({ kind: 'promote' } as const)
            : ({ kind: 'weight', percent: row.steps[next] ?? 100 } as const);
      const state = decision === 'rollback' ? 'rolled_back' : decision === 'promote' ? 'promoted' : 'running';
      const step = decision === 'rollback' ? row.current_step : next;
      await moveRolloutTraffic(ctx, ev.modelName, row, move, `rollout.${decision}`, { step, reason });
      const moved = await updateRolloutIfVersion(ctx.tx, row.id, row.version, {
        ...counters,
        state,
        currentStep: step,
        restartStep: decision !== 'rollback',
        stateReason: reason,
        ...(decision !== 'rollback' && { consecutiveFailures: 0, consecutiveErrors: 0 }),
      });
      if (!moved) throw new StaleRolloutError(row.id);
      await recordTick(ctx.tx, notify, ev.modelName, row, tick(state, step), ROLLOUT_CONTROLLER.actor);
    });
    return true;
  } catch (error) {
    if (error instanceof StaleRolloutError) return false;
    throw error;
  }
}

/** Reads, evaluates and applies one tick of a rollout; null when it is no longer active. */
export async function tickRollout(
  deps: Deps,
  id: string,
): Promise<{ evaluation: Evaluation; applied: boolean } | null> {
  const row = await findRollout(deps.db, id);
  if (!row || !['running', 'waiting_approval', 'paused'].includes(row.state)) return null;
  const evaluation = await evaluateRollout(deps, row);
  return { evaluation, applied: await applyEvaluation(deps, row, evaluation) };
}
