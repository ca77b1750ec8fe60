import type { CheckResult } from './checks.ts';

export type RolloutState = 'running' | 'waiting_approval' | 'paused' | 'rolled_back' | 'promoted' | 'aborted';

/** What a tick does; `hold` changes nothing but the counters. */
export type Decision = 'rollback' | 'pause' | 'hold' | 'advance' | 'await_approval' | 'promote';

/** The rollout as the decision needs it: plain values, no I/O. */
export interface DecisionInput {
  state: RolloutState;
  steps: readonly number[];
  currentStep: number;
  /** Seconds since the current step's weight took effect. */
  stepAgeSeconds: number;
  minBakeSeconds: number;
  minSamplesPerArm: number;
  /** Requests per arm in the window. */
  samples: { baseline: number; candidate: number };
  failureLimit: number;
  errorLimit: number;
  maxStepDurationSeconds: number;
  approvalBeforePromotion: boolean;
  approvalEachStep: boolean;
  consecutiveFailures: number;
  consecutiveErrors: number;
}

export interface DecisionResult {
  decision: Decision;
  reason: string;
  consecutiveFailures: number;
  consecutiveErrors: number;
}

/**
 * The rules, in order: a critical FAIL rolls back at once; other FAILs after failureLimit
 * consecutive ticks; ERRORs beyond errorLimit consecutive ticks pause. Those three apply in every
 * waiting state too, so rollback stays armed while a step waits for approval or is paused. Only a
 * running rollout moves forward: any INCONCLUSIVE holds (and pauses after maxStepDuration), and all
 * PASS with bake time and samples met advances, promotes at 100, or waits for approval. A
 * promotion-gate check (conversion) that is INCONCLUSIVE does not hold the ramp, but the step to 100
 * then waits for approval, its reason recorded.
 * SRM is not a gate itself (runChecks already made the comparisons INCONCLUSIVE); dryRun checks
 * are recorded and never gate.
 */
export function decide(input: DecisionInput, checks: readonly CheckResult[]): DecisionResult {
  const gating = checks.filter((c) => c.check !== 'srm' && !c.dryRun);
  const failed = gating.filter((c) => c.verdict === 'FAIL');
  const errored = gating.filter((c) => c.verdict === 'ERROR');
  const consecutiveFailures = failed.length > 0 ? input.consecutiveFailures + 1 : 0;
  const consecutiveErrors = errored.length > 0 ? input.consecutiveErrors + 1 : 0;
  const result = (decision: Decision, reason: string): DecisionResult => ({
    decision,
    reason,
    consecutiveFailures,
    consecutiveErrors,
  });
  const names = (list: readonly CheckResult[]) => list.map((c) => c.check).join(', ');

  const critical = failed.filter((c) => c.critical);
  if (critical.length > 0) return result('rollback', `critical check failed: ${names(critical)}`);
  if (failed.length > 0 && consecutiveFailures >= input.failureLimit) {
    return result('rollback', `${names(failed)} failed ${consecutiveFailures} consecutive ticks`);
  }
  if (errored.length > 0 && consecutiveErrors > input.errorLimit) {
    if (input.state === 'paused') return result('hold', 'paused');
    return result('pause', `${names(errored)} errored ${consecutiveErrors} consecutive ticks`);
  }
  if (input.state !== 'running') return result('hold', `rollout is ${input.state}`);
  if (failed.length > 0) {
    return result('hold', `${names(failed)} failed (${consecutiveFailures} of ${input.failureLimit})`);
  }
  if (errored.length > 0) return result('hold', `${names(errored)} errored`);

  const inconclusive = gating.filter((c) => c.verdict === 'INCONCLUSIVE' && !c.promotionGate);
  if (inconclusive.length > 0) {
    if (input.stepAgeSeconds >= input.maxStepDurationSeconds) {
      return result(
        'pause',
        `${names(inconclusive)} still inconclusive after ${input.maxStepDurationSeconds} s`,
      );
    }
    return result('hold', `inconclusive: ${names(inconclusive)}`);
  }
  if (input.stepAgeSeconds < input.minBakeSeconds) {
    return result('hold', `baking: ${Math.floor(input.stepAgeSeconds)} of ${input.minBakeSeconds} s`);
  }
  const fewest = Math.min(input.samples.baseline, input.samples.candidate);
  if (fewest < input.minSamplesPerArm) {
    if (input.stepAgeSeconds >= input.maxStepDurationSeconds) {
      return result(
        'pause',
        `fewer than ${input.minSamplesPerArm} samples per arm after ${input.maxStepDurationSeconds} s`,
      );
    }
    return result('hold', `samples: ${fewest} of ${input.minSamplesPerArm} per arm`);
  }
  const next = input.steps[input.currentStep + 1];
  if (next === undefined) return result('hold', 'no further step');
  const promoting = next === 100;
  const unproven = gating.filter((c) => c.promotionGate && c.verdict === 'INCONCLUSIVE');
  if (promoting && unproven.length > 0) {
    return result(
      'await_approval',
      `promotion needs approval: ${unproven.map((c) => `${c.check}: ${c.reason}`).join('; ')}`,
    );
  }
  // Promotion is an increase too, so approvalEachStep gates it as well.
  if (input.approvalEachStep || (promoting && input.approvalBeforePromotion)) {
    return result(
      'await_approval',
      `checks pass; ${promoting ? 'promotion' : `step to ${next} %`} needs approval`,
    );
  }
  return promoting
    ? result('promote', 'checks pass at the last step')
    : result('advance', `checks pass; step to ${next} %`);
}
