import { randomBytes } from 'node:crypto';
import { claimLeaderRun } from '@modelplane/db';
import type { Deps } from '../../deps.ts';
import { ROLLOUT_POLL_MS, tickDueRollouts } from '../rollouts/job.ts';
import { evaluateAlertRules } from './alert-evaluation.ts';
import { runMonitoringUpkeep } from './upkeep.ts';
import { deliverDueAlerts } from './webhook.ts';

/** Running fleet-wide jobs; `stop()` waits for a run in progress. */
export interface MonitoringJobs {
  readonly runnerId: string;
  /** Runs alert evaluation (if due) and delivery once, now. */
  evaluateNow(): Promise<void>;
  /** Runs partition upkeep and retention (if due) once, now. */
  upkeepNow(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts alert evaluation (every ALERT_EVAL_INTERVAL_MS), webhook delivery and partition upkeep.
 * Every control plane may run this: each run happens inside a transaction that first takes the job's
 * advisory lock and checks when the job last ran, so across the fleet a job runs once per period
 * and never twice at once. Failures are logged and retried on the next tick; nothing here throws.
 */
export function startMonitoringJobs(deps: Deps): MonitoringJobs {
  const { config, db, logger } = deps;
  const runnerId = `cp-${process.pid}-${randomBytes(3).toString('hex')}`;
  const evalMs = config.ALERT_EVAL_INTERVAL_MS;
  const webhook = config.ALERT_WEBHOOK_URL
    ? {
        url: config.ALERT_WEBHOOK_URL,
        timeoutMs: config.ALERT_WEBHOOK_TIMEOUT_MS,
        maxAttempts: config.ALERT_WEBHOOK_MAX_ATTEMPTS,
      }
    : null;

  const evaluate = async () => {
    const events = await db.transaction().execute(async (tx) => {
      // 0.9: a second control plane ticking a little later in the same period finds the job done.
      if (!(await claimLeaderRun(tx, 'alert-evaluation', evalMs * 0.9, runnerId))) return [];
      return evaluateAlertRules(tx, config);
    });
    for (const event of events) logger.info({ alert: event.message }, `alert ${event.state}`);
  };
  const deliver = async () => {
    if (!webhook) return;
    // Drain everything due now; each call claims at most one page of events.
    while ((await deliverDueAlerts(db, webhook)) > 0) {}
  };
  const upkeep = async () => {
    await runMonitoringUpkeep(deps, runnerId);
  };

  const guarded = (name: string, fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (err) {
      logger.warn({ err, job: name }, 'monitoring job failed; retrying next period');
    }
  };
  const loops = [
    loop(
      guarded('alerts', async () => {
        await evaluate();
        await deliver();
      }),
      evalMs,
    ),
    // Retries of failed posts are due between evaluations too.
    loop(guarded('alert-delivery', deliver), Math.min(5000, evalMs)),
    loop(guarded('upkeep', upkeep), config.MONITORING_UPKEEP_INTERVAL_MS),
    // Progressive-delivery rollouts (services/rollouts): each ticks at its own interval; the events
    // a tick queued go out now rather than at the next delivery period.
    loop(
      guarded('rollouts', async () => {
        if ((await tickDueRollouts(deps, runnerId)) > 0) await deliver();
      }),
      ROLLOUT_POLL_MS,
    ),
  ];
  return {
    runnerId,
    evaluateNow: guarded('alerts', async () => {
      await evaluate();
      await deliver();
    }),
    upkeepNow: guarded('upkeep', upkeep),
    stop: async () => {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}

/** Runs `fn` now and then every `intervalMs` after each run finishes, until stopped. */
function loop(fn: () => Promise<void>, intervalMs: number): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const tick = () => {
    timer = null;
    running = fn().finally(() => {
      running = null;
      if (!stopped) {
        timer = setTimeout(tick, intervalMs);
        timer.unref();
      }
    });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
