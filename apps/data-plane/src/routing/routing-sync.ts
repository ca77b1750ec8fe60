import { type DB, routingRowsFromJson } from '@modelplane/db';
import type { BusMessage, ModelChangedMessage } from '@modelplane/schemas';
import type { Kysely } from 'kysely';
import type { LoadedModel } from './build-table.ts';
import { KeyedSerial } from './keyed-serial.ts';
import { buildAll, loadAllTables, loadGenerations, loadModelTable, loadTokenHashes } from './loader.ts';
import { errorMessage, type RoutingLogger } from './logger.ts';
import type { ReplicaReport } from './replica-report.ts';
import type { SnapshotStore } from './snapshot-store.ts';

/** What {@link RoutingSync} needs. */
export interface RoutingSyncDeps {
  db: Kysely<DB>;
  store: SnapshotStore;
  report: ReplicaReport;
  logger: RoutingLogger;
  isClosed(): boolean;
}

/**
 * Keeps the store in step with Postgres: reloads a model (or the tokens) when a message announces
 * a newer generation, and reconciles by comparing every generation. Reloads of one key never
 * overlap; failures are logged and recorded, never thrown, and the next reconcile retries.
 */
export class RoutingSync {
  readonly #d: RoutingSyncDeps;
  readonly #serial = new KeyedSerial();
  /**
   * The highest generation a message already asked for, per model ('' for tokens). A reload started
   * after that message reads at least that generation, so messages at or below it change nothing.
   */
  readonly #requested = new Map<string, number>();
  #dbOk = false;
  #lastSyncAt: number | null = null;

  constructor(deps: RoutingSyncDeps) {
    this.#d = deps;
  }

  /** True while the last Postgres read succeeded. */
  get dbOk(): boolean {
    return this.#dbOk;
  }

  /** When a Postgres read last succeeded (epoch ms), or null if never. */
  get lastSyncAt(): number | null {
    return this.#lastSyncAt;
  }

  /** Reads every table and the tokens and applies them as a full load. Throws if Postgres fails. */
  async loadAll(): Promise<void> {
    const [loaded, tokens] = await Promise.all([loadAllTables(this.#d.db), loadTokenHashes(this.#d.db)]);
    this.#ok();
    if (!this.#d.isClosed()) await this.#d.store.replaceAll(loaded, tokens, 'database');
  }

  /** Compares generations with Postgres and reloads what moved (everything, if not yet loaded from Postgres). */
  reconcile(): Promise<void> {
    if (this.#d.isClosed()) return Promise.resolve();
    return this.#serial.run('reconcile', () => this.#reconcileOnce());
  }

  /** Handles one bus message without blocking: ignores what is already held or asked for. */
  onMessage(message: BusMessage): void {
    const current = this.#d.store.current;
    if (current === null || current.source === 'disk') {
      void this.reconcile();
      return;
    }
    const key = message.kind === 'tokens' ? '' : message.model;
    const held = message.kind === 'tokens' ? current.tokenGeneration : current.models.get(key)?.generation;
    const floor = Math.max(held ?? 0, this.#requested.get(key) ?? 0);
    if (message.generation <= floor || (key !== '' && this.#d.report.isRejected(key, message.generation))) {
      this.#d.report.stats.ignoredMessages += 1;
      return;
    }
    this.#requested.set(key, message.generation);
    if (key === '' || message.kind === 'tokens') {
      void this.#reloadTokens();
      return;
    }
    this.#d.report.received(key);
    void this.#reloadModel(key, message);
  }

  /** Resolves when no reload is running. */
  idle(): Promise<void> {
    return this.#serial.idle();
  }

  /** Records a failed Postgres read: the replica is now stale, and the error goes into heartbeats. */
  failed(err: unknown, what: string): void {
    if (this.#d.isClosed()) return;
    this.#dbOk = false;
    this.#d.report.stats.reloadErrors += 1;
    this.#d.report.lastError = `${what}: ${errorMessage(err)}`;
    this.#d.logger.warn({ err: errorMessage(err) }, `${what}; serving the last good snapshot`);
  }

  async #reconcileOnce(): Promise<void> {
    const { store, report } = this.#d;
    const current = store.current;
    try {
      if (current === null || current.source === 'disk') {
        await this.loadAll();
        return;
      }
      const generations = await loadGenerations(this.#d.db);
      this.#ok();
      const reloads: Promise<void>[] = [];
      for (const [name, generation] of generations.models) {
        const held = store.current?.models.get(name)?.generation ?? 0;
        if (generation > held && !report.isRejected(name, generation)) reloads.push(this.#reloadModel(name));
      }
      for (const name of current.models.keys()) {
        if (!generations.models.has(name)) reloads.push(this.#reloadModel(name));
      }
      // A model created again under the same name starts from generation 1.
      for (const name of this.#requested.keys()) {
        if (name !== '' && !generations.models.has(name)) this.#requested.delete(name);
      }
      if (generations.tokenGeneration > current.tokenGeneration) reloads.push(this.#reloadTokens());
      await Promise.all(reloads);
    } catch (err) {
      this.failed(err, 'reconcile failed');
    }
  }

  #reloadModel(name: string, message?: ModelChangedMessage): Promise<void> {
    return this.#serial.run(`model:${name}`, async () => {
      if (this.#d.isClosed()) return;
      const pushed = message ? this.#fromMessage(name, message) : null;
      if (pushed) {
        this.#d.report.stats.pushedTables += 1;
        await this.#d.store.offer(name, pushed);
        return;
      }
      try {
        const loaded = await loadModelTable(this.#d.db, name);
        this.#ok();
        await this.#d.store.offer(name, loaded);
      } catch (err) {
        this.failed(err, `reload of model ${name} failed`);
      }
    });
  }

  /**
   * The table a change message carries, when it is usable: the announced model at the announced
   * generation, and a table this replica would apply. Anything else (no rows, a malformed row, a
   * removal, another generation, a revision that fails validation) returns null and the model is read
   * from Postgres instead, so a damaged message can neither drop a model nor get a revision rejected.
   */
  #fromMessage(name: string, message: ModelChangedMessage): LoadedModel | null {
    if (!message.rows) return null;
    try {
      const loaded = buildAll(routingRowsFromJson(message.rows)).find((m) => modelOf(m) === name);
      if (loaded?.kind !== 'table' || loaded.table.generation !== message.generation) return null;
      return loaded;
    } catch (err) {
      this.#d.logger.warn(
        { err: errorMessage(err), model: name },
        'unusable rows in a change message; reading Postgres',
      );
      return null;
    }
  }

  #reloadTokens(): Promise<void> {
    return this.#serial.run('tokens', async () => {
      if (this.#d.isClosed()) return;
      try {
        const tokens = await loadTokenHashes(this.#d.db);
        this.#ok();
        this.#d.store.setTokens(tokens);
      } catch (err) {
        this.failed(err, 'reload of tokens failed');
      }
    });
  }

  #ok(): void {
    if (!this.#dbOk && this.#lastSyncAt !== null) this.#d.logger.info({}, 'Postgres reachable again');
    this.#dbOk = true;
    this.#lastSyncAt = Date.now();
    this.#d.report.lastError = null;
  }
}

function modelOf(loaded: LoadedModel): string {
  return loaded.kind === 'table' ? loaded.table.name : loaded.rejection.model;
}
