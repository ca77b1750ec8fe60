import type { ReplicaModelReport } from '@modelplane/db';
import type { ReplicaState, RolloutState } from '@modelplane/schemas';

/** The revision a replica is judged against, with the `<model>@<version>` of every version it routes to. */
export interface RolloutTarget {
  revision: number;
  createdAt: Date | string;
  refs: readonly string[];
}

/** The model's current config generation and when it last moved. */
export interface ConfigMark {
  generation: number;
  updatedAt: Date | string;
}

/** Everything {@link replicaState} decides from; all times on the database's clock. */
export interface ReplicaStateInput {
  /** What the replica reported for the model; undefined if it reported nothing for it. */
  report: ReplicaModelReport | undefined;
  /** The replica's version errors (`<model>@<version>` → reason). */
  versionErrors: Readonly<Record<string, string>>;
  /** Null when the model has no traffic yet. */
  target: RolloutTarget | null;
  /** The model's newest config; null when judging an older revision, which a newer config superseded. */
  config: ConfigMark | null;
  now: Date;
  staleAfterMs: number;
}

/** A replica's state and, unless it is in sync, why. */
export interface ReplicaVerdict {
  state: ReplicaState;
  reason: string | null;
}

/**
 * When the newest change the replica lacks was made (the target revision, or else the model's last
 * config change), or null when it has applied both.
 */
export function behindSince(
  report: ReplicaModelReport | undefined,
  target: RolloutTarget | null,
  config: ConfigMark | null,
): Date | null {
  if (target !== null && (report?.revision ?? 0) < target.revision) return new Date(target.createdAt);
  if (config !== null && (report?.generation ?? 0) < config.generation) return new Date(config.updatedAt);
  return null;
}

/**
 * One replica's state for one model. `failed` wins over everything (a version of the target failed to
 * load on it, or it refused the newest config); `in-sync` needs the target revision and the newest
 * config applied, which a replica does only once every routed version is loaded (make before break);
 * a replica still loading is `pending` however long that takes (the data plane bounds it); one that is
 * behind without loading anything is `pending` until `staleAfterMs` has passed, then `stale`.
 */
export function replicaState(input: ReplicaStateInput): ReplicaVerdict {
  const { report, target, config } = input;
  const failure = failureOf(input);
  if (failure !== null) return { state: 'failed', reason: failure };
  const since = behindSince(report, target, config);
  if (since === null) return { state: 'in-sync', reason: null };
  const loading = report?.applying?.loading ?? [];
  if (loading.length > 0) return { state: 'pending', reason: `loading ${loading.join(', ')}` };
  const behind = describeLag(report, target, config);
  const ageMs = input.now.getTime() - since.getTime();
  if (ageMs > input.staleAfterMs) {
    return { state: 'stale', reason: `${behind} for ${Math.round(ageMs / 1000)}s` };
  }
  return { state: 'pending', reason: behind };
}

function failureOf({ report, versionErrors, target, config }: ReplicaStateInput): string | null {
  const applied = report?.revision ?? 0;
  // A replica already past the target answers for a later revision, not this one.
  if (target !== null && applied > target.revision) return null;
  const errors = (target?.refs ?? []).flatMap((ref) => {
    const error = versionErrors[ref];
    return error === undefined ? [] : [`${ref}: ${error}`];
  });
  const rejected = report?.rejected;
  // A replica reports a rejection only until it applies something newer, so this one still blocks it.
  const refusedNewest =
    rejected !== undefined &&
    (config !== null
      ? rejected.generation >= config.generation
      : target !== null && rejected.revision >= target.revision);
  if (refusedNewest) errors.unshift(`rejected revision ${rejected.revision}: ${rejected.reason}`);
  return errors.length > 0 ? errors.join('; ') : null;
}

function describeLag(
  report: ReplicaModelReport | undefined,
  target: RolloutTarget | null,
  config: ConfigMark | null,
): string {
  const applied = report?.revision ?? null;
  if (target !== null && (applied ?? 0) < target.revision) {
    return applied === null
      ? `has not applied revision ${target.revision}`
      : `at revision ${applied}, not ${target.revision}`;
  }
  return `at config generation ${report?.generation ?? 0}, not ${config?.generation ?? 0}`;
}

/** The rollout as a whole: any replica failed, all in sync (none live counts as done), or on its way. */
export function rolloutState(states: readonly ReplicaState[]): RolloutState {
  if (states.includes('failed')) return 'failed';
  return states.every((s) => s === 'in-sync') ? 'complete' : 'progressing';
}
