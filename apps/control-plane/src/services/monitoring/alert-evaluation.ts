import {
  type AlertEventRow,
  type AlertRuleWithModel,
  type Executor,
  findModelByName,
  findRevision,
  fleetRollups,
  listAlertRules,
  listLiveHeartbeats,
  listVersions,
  recordAlertEvaluation,
  recordAlertTransition,
} from '@modelplane/db';
import { histogramQuantile } from '@modelplane/stats';
import type { ControlPlaneConfig } from '../../config.ts';
import { replicaLags } from '../replicas.ts';
import { revisionSrm } from './srm.ts';

/** What one rule measured: the value, and whether it breaches the rule. */
interface Reading {
  value: number | null;
  breached: boolean;
  detail: string;
}

/**
 * Evaluates every alert rule once, inside the leader's transaction (`tx` only: with PGlite's single
 * connection anything else would deadlock). A rule that starts or stops firing records an event,
 * queued for the webhook when one is configured; a rule still firing records nothing new, so the
 * webhook hears of each incident once.
 */
export async function evaluateAlertRules(
  tx: Executor,
  config: Pick<ControlPlaneConfig, 'REPLICA_LIVE_WINDOW_MS'> & { ALERT_WEBHOOK_URL?: string | undefined },
): Promise<AlertEventRow[]> {
  const events: AlertEventRow[] = [];
  for (const rule of await listAlertRules(tx)) {
    const reading = await read(tx, rule, config.REPLICA_LIVE_WINDOW_MS);
    const firing = rule.state === 'firing';
    if (reading.breached === firing) {
      await recordAlertEvaluation(tx, rule.id, reading.value);
      continue;
    }
    const state = reading.breached ? 'firing' : 'resolved';
    const message = `${rule.model} ${describe(rule)}: ${state === 'firing' ? 'firing' : 'resolved'} (${reading.detail})`;
    events.push(
      await recordAlertTransition(tx, rule, {
        state,
        value: reading.value,
        message,
        notify: config.ALERT_WEBHOOK_URL !== undefined,
      }),
    );
  }
  return events;
}

function describe(rule: AlertRuleWithModel): string {
  switch (rule.kind) {
    case 'p99_latency':
      return `p99 latency above ${rule.threshold} ms`;
    case 'error_rate':
      return `error rate above ${(rule.threshold * 100).toFixed(2)} %`;
    case 'srm':
      return `sample ratio mismatch (p < ${rule.threshold})`;
    default:
      return `replica stale for more than ${rule.threshold} s`;
  }
}

async function read(tx: Executor, rule: AlertRuleWithModel, liveWindowMs: number): Promise<Reading> {
  if (rule.kind === 'p99_latency' || rule.kind === 'error_rate') return readServing(tx, rule);
  const model = await findModelByName(tx, rule.model);
  if (!model) return { value: null, breached: false, detail: 'model not found' };
  const active = model.active_revision ? await findRevision(tx, model.id, model.active_revision) : undefined;
  if (rule.kind === 'srm') {
    if (!active) return { value: null, breached: false, detail: 'no active revision' };
    const versions = await listVersions(tx, model.id);
    const [srm] = await revisionSrm(
      tx,
      model,
      versions,
      { revision: active.revision, since: new Date(active.created_at) },
      rule.threshold,
    );
    if (!srm) return { value: null, breached: false, detail: 'no sticky units yet' };
    const enough = srm.minArmUnits >= rule.min_requests;
    const units = srm.arms.map((a) => `${a.version} ${a.units}`).join(', ');
    return {
      value: srm.pValue,
      breached: srm.flagged && enough,
      detail: `revision ${srm.revision}: p = ${srm.pValue.toExponential(2)}, units ${units}${enough ? '' : ', too few units to judge'}`,
    };
  }
  // Only live replicas count, so a replica that left the fleet cannot keep this firing.
  const { now, replicas } = await listLiveHeartbeats(tx, liveWindowMs);
  const stale = replicas.filter((r) => replicaLags(r, model, active ?? null, now, rule.threshold * 1000));
  return {
    value: stale.length,
    breached: stale.length > 0,
    detail:
      stale.length > 0
        ? `stale: ${stale.map((r) => r.replica_id).join(', ')}`
        : `${replicas.length} live replicas in sync`,
  };
}

/** The worst version over the rule's window, among versions with at least min_requests requests. */
async function readServing(tx: Executor, rule: AlertRuleWithModel): Promise<Reading> {
  const rollups = await fleetRollups(tx, rule.model, rule.window_minutes * 60_000);
  let worst: { version: string; value: number } | null = null;
  for (const rollup of rollups) {
    if (rollup.requests < Math.max(1, rule.min_requests)) continue;
    let value: number;
    if (rule.kind === 'error_rate') {
      value = rollup.errors / rollup.requests;
    } else {
      const counts: number[] = [];
      for (const [i, c] of rollup.buckets) counts[i] = c;
      value =
        histogramQuantile(
          Array.from(counts, (c) => c ?? 0),
          0.99,
        ) ?? 0;
    }
    if (!worst || value > worst.value) worst = { version: rollup.version, value };
  }
  if (!worst)
    return {
      value: null,
      breached: false,
      detail: `fewer than ${rule.min_requests} requests per version in ${rule.window_minutes} min`,
    };
  const shown =
    rule.kind === 'error_rate' ? `${(worst.value * 100).toFixed(2)} %` : `${worst.value.toFixed(2)} ms`;
  return {
    value: worst.value,
    breached: worst.value > rule.threshold,
    detail: `${rule.model}@${worst.version}: ${shown} over the last ${rule.window_minutes} min`,
  };
}
