import type { AppRouter } from '@modelplane/control-plane';
import type { inferRouterOutputs } from '@trpc/server';

export type Rollout = inferRouterOutputs<AppRouter>['rollouts']['get'];
export type Tick = Rollout['ticks'][number];

/** One check's evidence on one tick, as the controller stores it (rollout_ticks.checks). */
export interface CheckResult {
  check: string;
  verdict: 'PASS' | 'FAIL' | 'INCONCLUSIVE' | 'ERROR';
  critical: boolean;
  dryRun: boolean;
  n: { baseline: number; candidate: number };
  estimate: number | null;
  interval: { lower: number; upper: number } | null;
  threshold: number;
  reason: string;
}

/** States in which a rollout still steers traffic (and operators may act on it). */
export const ACTIVE_STATES: readonly Rollout['state'][] = ['running', 'waiting_approval', 'paused'];

export const STATE_LABELS: Record<Rollout['state'], string> = {
  running: 'running',
  waiting_approval: 'waiting for approval',
  paused: 'paused',
  promoted: 'promoted',
  rolled_back: 'rolled back',
  aborted: 'aborted',
};
