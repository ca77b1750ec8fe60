import { type RolloutWaitResult, waitForRollout } from '@modelplane/client';
import type { Revision, RolloutStatus } from '@modelplane/schemas';
import { parseDuration } from '../args.ts';
import { booleanFlag, type CommandContext, type FlagValues, stringFlag } from '../command.ts';
import { RolloutError, UsageError } from '../errors.ts';
import { table } from '../output.ts';

/** How long `traffic promote|canary|set|rollback` wait for the replicas unless told otherwise. */
export const DEFAULT_WAIT_MS = 30_000;

/** The flags every traffic change takes. */
export const WAIT_OPTIONS = { wait: { type: 'string' }, 'no-wait': { type: 'boolean' } } as const;
export const WAIT_USAGE = '[--wait 30s | --no-wait]';
export const WAIT_DETAILS = [
  '--wait D    wait up to D (default 30s; e.g. 500ms, 10s, 2m) until every live replica applied the',
  '            revision with all its versions loaded; exit 1 if one fails to load it or time runs out',
  '--no-wait   return as soon as the change is stored',
];

/** The wait the flags ask for, in milliseconds, or null for `--no-wait`. */
export function waitMs(flags: FlagValues): number | null {
  const wait = stringFlag(flags, 'wait');
  if (booleanFlag(flags, 'no-wait')) {
    if (wait !== undefined) throw new UsageError('--wait and --no-wait exclude each other');
    return null;
  }
  return wait === undefined ? DEFAULT_WAIT_MS : parseDuration(wait, '--wait');
}

/** `30s`, `500ms`, `2m`: a wait as the user would write it. */
function formatWait(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The summary line and one row per live replica: id, state, applied revision, reason. */
export function renderRollout({ status }: RolloutWaitResult, waitedMs: number): string[] {
  const n = status.replicas.length;
  if (n === 0) return ['rollout: no live replicas; nothing to wait for'];
  const count = (state: string) => status.replicas.filter((r) => r.state === state).length;
  const summary =
    status.state === 'complete'
      ? `rollout complete: ${n} of ${n} live replicas applied revision ${status.revision}`
      : status.state === 'failed'
        ? `rollout failed: revision ${status.revision} failed on ${count('failed')} of ${n} live replicas`
        : `rollout not complete after ${formatWait(waitedMs)}: ${count('in-sync')} of ${n} live replicas applied revision ${status.revision}`;
  const rows = status.replicas.map((r) => [r.replicaId, r.state, r.appliedRevision, r.reason]);
  return [summary, ...table(['REPLICA', 'STATE', 'APPLIED', 'REASON'], rows).map((line) => `  ${line}`)];
}

/** The error a wait that did not complete ends the command with. */
function rolloutError(status: RolloutStatus, timedOut: boolean, waitedMs: number): RolloutError | null {
  const name = `${status.model} revision ${status.revision}`;
  const notInSync = status.replicas.filter((r) => r.state !== 'in-sync');
  if (status.state === 'failed') {
    const failed = notInSync.filter((r) => r.state === 'failed');
    return new RolloutError(
      `rollout of ${name} failed: ${failed.map((r) => `${r.replicaId}: ${r.reason}`).join('; ')}`,
    );
  }
  if (!timedOut) return null;
  const lagging = notInSync.map((r) => `${r.replicaId} ${r.state}${r.reason ? ` (${r.reason})` : ''}`);
  return new RolloutError(
    `timed out after ${formatWait(waitedMs)} waiting for ${name}: ${lagging.join('; ')} (see modelplane traffic show ${status.model})`,
  );
}

/**
 * Prints a stored traffic change and, unless `--no-wait`, waits for every live replica to apply it,
 * printing one line per replica; a replica that failed, or a wait that ran out, ends with exit 1.
 * Under `--json` the revision carries a `rollout` field with the last status. `timeoutMs` comes from
 * {@link waitMs}, read before the change is sent so a bad flag changes nothing.
 */
export async function reportChange(
  ctx: CommandContext,
  revision: Revision,
  timeoutMs: number | null,
  render: (r: Revision) => string[],
): Promise<void> {
  // A human sees the stored change at once; `--json` prints one document once the wait is over.
  if (timeoutMs === null || !ctx.output.json) ctx.output.result(revision, render);
  if (timeoutMs === null) return;
  const result = await waitForRollout(await ctx.client(), {
    model: revision.model,
    revision: revision.revision,
    timeoutMs,
  });
  if (ctx.output.json) ctx.output.result({ ...revision, rollout: result.status }, () => []);
  else ctx.output.result(result, (r) => renderRollout(r, timeoutMs));
  const error = rolloutError(result.status, result.timedOut, timeoutMs);
  if (error) throw error;
}
