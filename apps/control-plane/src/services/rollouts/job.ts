import { claimLeaderRun, listDueRollouts } from '@modelplane/db';
import type { Deps } from '../../deps.ts';
import { applyEvaluation, evaluateRollout } from './tick.ts';

/** How often the controller looks for due rollouts; each rollout ticks at its own interval. */
export const ROLLOUT_POLL_MS = 1000;

/**
 * One controller pass: the leader claim (advisory lock + leader_jobs) lets one control plane per
 * period tick; each tick is still conditional on the rollout's version, so a leader that lost
 * its claim mid-pass changes nothing. Returns how many rollouts ticked.
 */
export async function tickDueRollouts(deps: Deps, runnerId: string): Promise<number> {
  const claimed = await deps.db
    .transaction()
    .execute((tx) => claimLeaderRun(tx, 'rollout-ticks', ROLLOUT_POLL_MS * 0.9, runnerId));
  if (!claimed) return 0;
  let ticked = 0;
  for (const row of await listDueRollouts(deps.db)) {
    try {
      // The row as listed, not re-read: if another controller ticked it since (a pass that outlived
      // its claim), its version has moved on and this tick changes nothing instead of ticking twice.
      if (await applyEvaluation(deps, row, await evaluateRollout(deps, row))) ticked += 1;
    } catch (err) {
      // One broken rollout must not stop the others; the next pass retries it.
      deps.logger.warn({ err, rollout: row.id }, 'rollout tick failed');
    }
  }
  return ticked;
}
