import type { HeartbeatInput, ReplicaModelReport } from '@modelplane/db';
import type { BackendManager } from '../backends/types.ts';
import type { RevisionRejection, SkippedVersion } from './build-table.ts';
import type { RoutingSnapshot } from './types.ts';

/** Counters for metrics; they only ever grow. */
export interface RoutingStats {
  /** Revisions refused by validation (each model generation counted once). */
  rejectedRevisions: number;
  /** Loads from Postgres that failed (outages included). */
  reloadErrors: number;
  /** Tables applied (swapped in) since start. */
  appliedTables: number;
  /** Bus messages for a generation already held: duplicates or out of order, ignored. */
  ignoredMessages: number;
  /** Tables built from the rows a change message carried, without reading Postgres. */
  pushedTables: number;
}

interface Applying {
  revision: number | null;
  generation: number;
  loading: Set<string>;
}

/**
 * What this replica knows about its own health, as it reports it in heartbeats: when each table was
 * applied, revisions it refused, versions it cannot serve, and the last sync error.
 */
export class ReplicaReport {
  readonly stats: RoutingStats = {
    rejectedRevisions: 0,
    reloadErrors: 0,
    appliedTables: 0,
    ignoredMessages: 0,
    pushedTables: 0,
  };
  /** When each model's current table was swapped in: epoch milliseconds, to the microsecond. */
  readonly #appliedAt = new Map<string, number>();
  /** When the bus message behind each model's latest push-triggered reload arrived (epoch ms). */
  readonly #receivedAt = new Map<string, number>();
  readonly #rejected = new Map<string, RevisionRejection>();
  readonly #versionErrors = new Map<string, string>();
  /** Per model, the newer table being warmed and the refs of its versions still loading. */
  readonly #applying = new Map<string, Applying>();
  #lastError: string | null = null;

  /** Records a rejection; returns false if this model generation was already rejected (not counted twice). */
  reject(rejection: RevisionRejection): boolean {
    const previous = this.#rejected.get(rejection.model);
    if (previous && previous.generation >= rejection.generation) return false;
    this.#rejected.set(rejection.model, rejection);
    this.stats.rejectedRevisions += 1;
    return true;
  }

  /** True if `generation` of `model` is one this replica already refused (nothing newer to try). */
  isRejected(model: string, generation: number): boolean {
    const rejected = this.#rejected.get(model);
    return rejected !== undefined && generation <= rejected.generation;
  }

  /** A table was swapped in: it supersedes older rejections and the model's earlier version errors. */
  applied(model: string, generation: number, skipped: readonly SkippedVersion[]): void {
    this.#appliedAt.set(model, performance.timeOrigin + performance.now());
    const rejected = this.#rejected.get(model);
    if (rejected && rejected.generation <= generation) this.#rejected.delete(model);
    this.clearVersionErrors(model);
    for (const s of skipped) this.#versionErrors.set(s.ref, s.reason);
    this.stats.appliedTables += 1;
  }

  /** When `model`'s current table was swapped in (epoch ms, sub-millisecond), if it was. */
  appliedAtMs(model: string): number | undefined {
    return this.#appliedAt.get(model);
  }

  /** A bus message about `model` arrived and starts a reload (what the swap's delay is measured from). */
  received(model: string): void {
    this.#receivedAt.set(model, performance.timeOrigin + performance.now());
  }

  /** When the last bus message that started a reload of `model` arrived (epoch ms, sub-millisecond). */
  receivedAtMs(model: string): number | undefined {
    return this.#receivedAt.get(model);
  }

  removed(model: string): void {
    this.#appliedAt.delete(model);
    this.#receivedAt.delete(model);
    this.#rejected.delete(model);
    this.clearVersionErrors(model);
  }

  /** A table is being warmed before it is applied; each of `refs` counts as loading until it settles. */
  applying(model: string, revision: number | null, generation: number, refs: readonly string[]): void {
    const current = this.#applying.get(model);
    if (current && current.generation > generation) return;
    this.#applying.set(model, { revision, generation, loading: new Set(refs) });
  }

  /** One version of the table being warmed finished loading, or failed (its error is recorded apart). */
  settled(model: string, generation: number, ref: string): void {
    const current = this.#applying.get(model);
    if (current?.generation === generation) current.loading.delete(ref);
  }

  /** Warming `generation` ended, whether or not its table was applied. */
  doneApplying(model: string, generation: number): void {
    if (this.#applying.get(model)?.generation === generation) this.#applying.delete(model);
  }

  setVersionError(ref: string, error: string | null): void {
    if (error === null) this.#versionErrors.delete(ref);
    else this.#versionErrors.set(ref, error);
  }

  clearVersionErrors(model: string): void {
    for (const ref of this.#versionErrors.keys()) {
      if (ref.startsWith(`${model}@`)) this.#versionErrors.delete(ref);
    }
  }

  get versionErrors(): ReadonlyMap<string, string> {
    return this.#versionErrors;
  }

  get rejections(): ReadonlyMap<string, RevisionRejection> {
    return this.#rejected;
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  set lastError(message: string | null) {
    this.#lastError = message;
  }

  /**
   * The heartbeat body for `snapshot` (identity fields are added by the caller); `versionWarnings`
   * comes from the backends (see {@link collectVersionWarnings}).
   */
  heartbeat(
    snapshot: RoutingSnapshot | null,
    versionWarnings: Record<string, string> = {},
  ): Pick<HeartbeatInput, 'applied' | 'versionErrors' | 'versionWarnings' | 'lastError'> {
    const applied: Record<string, ReplicaModelReport> = {};
    for (const table of snapshot?.models.values() ?? []) {
      applied[table.name] = {
        revision: table.revision?.number ?? null,
        generation: table.generation,
        appliedAt: new Date(
          this.#appliedAt.get(table.name) ?? snapshot?.loadedAt ?? Date.now(),
        ).toISOString(),
      };
    }
    for (const [model, r] of this.#rejected) {
      const entry = applied[model] ?? { revision: null, generation: 0, appliedAt: new Date(0).toISOString() };
      applied[model] = {
        ...entry,
        rejected: { revision: r.revision, generation: r.generation, reason: r.reason },
      };
    }
    for (const [model, a] of this.#applying) {
      const entry = applied[model] ?? { revision: null, generation: 0, appliedAt: new Date(0).toISOString() };
      applied[model] = {
        ...entry,
        applying: { revision: a.revision, generation: a.generation, loading: [...a.loading] },
      };
    }
    return {
      applied,
      versionErrors: Object.fromEntries(this.#versionErrors),
      versionWarnings,
      lastError: this.#lastError,
    };
  }
}

/**
 * `name@version` → why its warm-up with zeros failed, for every version of `snapshot` loaded here
 * with such a warning. Read from the runners at heartbeat time, so a warning goes away with the
 * runner that had it (released, or reloaded cleanly).
 */
export function collectVersionWarnings(
  snapshot: RoutingSnapshot | null,
  backends: Pick<BackendManager, 'state'>,
): Record<string, string> {
  const warnings: Record<string, string> = {};
  for (const table of snapshot?.models.values() ?? []) {
    for (const version of table.versions.values()) {
      const state = backends.state(version.id);
      const warning = state.status === 'ready' ? state.runner.warmupWarning : null;
      if (warning) warnings[version.ref] = warning;
    }
  }
  return warnings;
}
