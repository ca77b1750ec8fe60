import type { BackendManager } from '../backends/types.ts';
import type { LoadedModel } from './build-table.ts';
import type { TokenHashes } from './loader.ts';
import type { RoutingLogger } from './logger.ts';
import { makeReady, referencedVersionIds } from './make-ready.ts';
import type { ReplicaReport } from './replica-report.ts';
import { createSnapshotWriter, type SnapshotWriter } from './snapshot-writer.ts';
import type { LoadFailure, ModelTable, RoutingSnapshot } from './types.ts';

/** What a {@link SnapshotStore} needs. */
export interface SnapshotStoreDeps {
  backends: BackendManager;
  report: ReplicaReport;
  logger: RoutingLogger;
  dataDir: string;
  backendReadyTimeoutMs: number;
}

type Accepted = { name: string; table: ModelTable | null; loaded: LoadedModel; failure?: LoadFailure };

/**
 * Holds the current snapshot and is the only place that replaces it. Every change builds a new
 * frozen snapshot from the newest one and swaps it by reference (R1.10); a table is applied only
 * if it is newer, valid and all its routed versions are ready (R1.2, R1.5, R1.6).
 */
export class SnapshotStore {
  readonly #deps: SnapshotStoreDeps;
  readonly #writer: SnapshotWriter;
  /** Versions being warmed for a table not applied yet: retained so they are not released meanwhile. */
  readonly #warming = new Map<string, number>();
  #current: RoutingSnapshot | null = null;
  #closed = false;

  constructor(deps: SnapshotStoreDeps) {
    this.#deps = deps;
    this.#writer = createSnapshotWriter(deps.dataDir, deps.logger);
  }

  get current(): RoutingSnapshot | null {
    return this.#current;
  }

  /** Applies a full load: every model in `loaded` (newer or equal tables replace), others are dropped. */
  async replaceAll(
    loaded: LoadedModel[],
    tokens: TokenHashes,
    source: RoutingSnapshot['source'],
  ): Promise<void> {
    const accepted = await Promise.all(loaded.map((m) => this.#accept(m, true)));
    try {
      if (this.#closed) return;
      const present = new Set(accepted.map((a) => a.name));
      const removed = [...(this.#current?.models.keys() ?? [])].filter((name) => !present.has(name));
      this.#commit(accepted, removed, tokens, source);
    } finally {
      this.#doneApplying(accepted);
    }
  }

  /** Applies one reloaded model; `null` means it no longer exists. Older or equal generations change nothing. */
  async offer(name: string, loaded: LoadedModel | null): Promise<void> {
    const current = this.#current;
    if (current === null) return;
    if (loaded === null) {
      if (current.models.has(name)) this.#commit([], [name], null, current.source);
      return;
    }
    const accepted = await this.#accept(loaded, false);
    const latest = this.#current;
    try {
      if (latest !== null && !this.#closed && (accepted.table !== null || accepted.failure))
        this.#commit([accepted], [], null, latest.source);
    } finally {
      this.#doneApplying([accepted]);
    }
  }

  // Only once the table is committed (or kept out), so no heartbeat sees it neither applying nor applied.
  #doneApplying(accepted: Accepted[]): void {
    for (const { name, loaded } of accepted) {
      if (loaded.kind === 'table') this.#deps.report.doneApplying(name, loaded.table.generation);
    }
  }

  /** Swaps in a newer token set. */
  setTokens(tokens: TokenHashes): void {
    const current = this.#current;
    if (current === null || this.#closed || tokens.generation <= current.tokenGeneration) return;
    this.#publish(current.models, tokens, current.source);
  }

  /** Stops all further swaps and waits for the last disk write. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#writer.flush();
  }

  async #accept(loaded: LoadedModel, allowEqual: boolean): Promise<Accepted> {
    const { report, logger } = this.#deps;
    const name = loaded.kind === 'table' ? loaded.table.name : loaded.rejection.model;
    const generation = loaded.kind === 'table' ? loaded.table.generation : loaded.rejection.generation;
    const held = this.#current?.models.get(name)?.generation ?? 0;
    if (generation < held || (generation === held && !allowEqual)) return { name, table: null, loaded };
    if (loaded.kind === 'rejected') {
      for (const s of loaded.skipped) report.setVersionError(s.ref, s.reason);
      if (report.reject(loaded.rejection)) {
        logger.error({ ...loaded.rejection }, 'routing revision rejected; keeping the last good table');
      }
      return { name, table: null, loaded };
    }
    const ids = referencedVersionIds([loaded.table]);
    for (const id of ids) this.#warming.set(id, (this.#warming.get(id) ?? 0) + 1);
    this.#retain();
    try {
      const ready = await makeReady(loaded.table, {
        backends: this.#deps.backends,
        report,
        logger,
        timeoutMs: this.#deps.backendReadyTimeoutMs,
      });
      return ready === true
        ? { name, table: loaded.table, loaded }
        : { name, table: null, loaded, failure: ready };
    } finally {
      for (const id of ids) {
        const left = (this.#warming.get(id) ?? 1) - 1;
        if (left > 0) this.#warming.set(id, left);
        else this.#warming.delete(id);
      }
    }
  }

  #commit(
    accepted: Accepted[],
    removed: string[],
    tokens: TokenHashes | null,
    source: RoutingSnapshot['source'],
  ): void {
    if (this.#closed) return;
    const models = new Map(this.#current?.models ?? []);
    for (const { name, table, loaded, failure } of accepted) {
      const held = models.get(name);
      if (table === null) {
        if (failure && failure.pending.generation > (held?.generation ?? 0)) {
          models.set(name, withLoadFailure(held, failure));
        }
        continue;
      }
      // Re-checked here: the held table may have moved on while this one was warming.
      if (table.generation < (held?.generation ?? 0)) continue;
      models.set(name, table);
      this.#deps.report.applied(name, table.generation, loaded.skipped);
    }
    for (const name of removed) {
      models.delete(name);
      this.#deps.report.removed(name);
    }
    const current = this.#current;
    this.#publish(
      models,
      tokens ?? {
        hashes: current?.tokenHashes ?? new Set(),
        quotas: current?.tokenQuotas ?? new Map(),
        generation: current?.tokenGeneration ?? 0,
      },
      source,
    );
  }

  #publish(
    models: ReadonlyMap<string, ModelTable>,
    tokens: TokenHashes,
    source: RoutingSnapshot['source'],
  ): void {
    const snapshot: RoutingSnapshot = Object.freeze({
      models,
      tokenHashes: tokens.hashes,
      tokenQuotas: tokens.quotas,
      tokenGeneration: tokens.generation,
      source,
      loadedAt: Date.now(),
    });
    this.#current = snapshot;
    this.#retain();
    // A disk snapshot is already on disk; only what came from Postgres is worth persisting.
    if (source === 'database') this.#writer.write(snapshot);
  }

  #retain(): void {
    const ids = referencedVersionIds(this.#current?.models.values() ?? []);
    for (const id of this.#warming.keys()) ids.add(id);
    try {
      this.#deps.backends.retain(ids);
    } catch (err) {
      this.#deps.logger.warn({ err }, 'backends.retain threw');
    }
  }
}

/**
 * The table to hold while a newer one cannot be applied: the held table, unchanged in routing, now
 * saying why the newer one is not served. With no held table (the replica started after the
 * change), the newer table's versions without its revision, at generation 0 so any load retries.
 */
function withLoadFailure(held: ModelTable | undefined, failure: LoadFailure): ModelTable {
  const base = held ?? { ...failure.pending, generation: 0, revision: null };
  return Object.freeze({ ...base, loadFailure: failure });
}
