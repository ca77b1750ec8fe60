import { hostname as osHostname } from 'node:os';
import type { Bus } from '@modelplane/bus';
import type { DB } from '@modelplane/db';
import type { BusMessage } from '@modelplane/schemas';
import type { Kysely } from 'kysely';
import type { BackendManager } from '../backends/types.ts';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, type Heartbeats, startHeartbeats } from './heartbeat.ts';
import { errorMessage, type RoutingLogger, silentLogger } from './logger.ts';
import { collectVersionWarnings, ReplicaReport, type RoutingStats } from './replica-report.ts';
import { RoutingSync } from './routing-sync.ts';
import { readSnapshotFile } from './snapshot-file.ts';
import { SnapshotStore } from './snapshot-store.ts';
import { type Loop, startLoop, withTimeout } from './timers.ts';
import type { RoutingSnapshot } from './types.ts';
import type { RoutingView } from './view.ts';

/** How to build a {@link RoutingState}. The caller owns (and closes) db, bus and backends. */
export interface RoutingStateOptions {
  db: Kysely<DB>;
  bus: Bus;
  backends: BackendManager;
  /** Where `routing-snapshot.json` (the last good snapshot) is kept. */
  dataDir: string;
  logger?: RoutingLogger;
  /** Default: `<hostname>-<pid>-<random>`. */
  replicaId?: string;
  hostname?: string;
  /** Poll for missed changes this often, ±20 % (default 5000). */
  reconcileIntervalMs?: number;
  /** Heartbeat row upsert interval (default 2000). */
  heartbeatIntervalMs?: number;
  /** Fall back to the disk snapshot if the first load from Postgres takes longer (default 10000). */
  initialLoadTimeoutMs?: number;
  /** An ensureReady slower than this counts as failed and is retried by the loop (default 300000). */
  backendReadyTimeoutMs?: number;
}

/**
 * The replica's routing state (R1.1–R1.10): loads every model's table from Postgres, follows bus
 * messages and a jittered reconcile loop, validates and warms before applying, swaps immutable
 * snapshots by reference, persists the last good one, and reports itself in heartbeats. It never
 * throws for outages: it keeps serving the last good snapshot and retries.
 */
export class RoutingState implements RoutingView {
  readonly replicaId: string;
  readonly hostname: string;
  readonly startedAt = new Date();
  /** Counters, rejections, version errors and the last error, as reported in heartbeats. */
  readonly report = new ReplicaReport();
  readonly #options: RoutingStateOptions;
  readonly #log: RoutingLogger;
  readonly #store: SnapshotStore;
  readonly #sync: RoutingSync;
  #phase: 'new' | 'starting' | 'running' | 'closed' = 'new';
  #reconcileWanted = false;
  #subscribing = false;
  #unsubscribe: (() => Promise<void>) | null = null;
  #offReconnect: (() => void) | null = null;
  #loop: Loop | null = null;
  #heartbeats: Heartbeats | null = null;

  constructor(options: RoutingStateOptions) {
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.hostname = options.hostname ?? osHostname();
    this.replicaId =
      options.replicaId ?? `${this.hostname}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.#store = new SnapshotStore({
      backends: options.backends,
      report: this.report,
      logger: this.#log,
      dataDir: options.dataDir,
      backendReadyTimeoutMs: options.backendReadyTimeoutMs ?? 300_000,
    });
    this.#sync = new RoutingSync({
      db: options.db,
      store: this.#store,
      report: this.report,
      logger: this.#log,
      isClosed: () => this.#phase === 'closed',
    });
  }

  snapshot(): RoutingSnapshot | null {
    return this.#store.current;
  }

  isStale(): boolean {
    const current = this.#store.current;
    return current !== null && (current.source === 'disk' || !this.#sync.dbOk);
  }

  /** Milliseconds since the replica last confirmed its state with Postgres (since start if never). */
  /** When `model`'s current table was swapped in (epoch ms, sub-millisecond), if it was. */
  appliedAtMs(model: string): number | undefined {
    return this.report.appliedAtMs(model);
  }

  receivedAtMs(model: string): number | undefined {
    return this.report.receivedAtMs(model);
  }

  stalenessMs(): number {
    return Date.now() - (this.#sync.lastSyncAt ?? this.startedAt.getTime());
  }

  /** Counters for metrics (`rejectedRevisions`, `reloadErrors`, `appliedTables`, `ignoredMessages`). */
  get stats(): Readonly<RoutingStats> {
    return this.report.stats;
  }

  /**
   * Loads from Postgres (or, if it is unreachable within the bound, from the disk snapshot), warms
   * the routed versions, then starts the subscription, the reconcile loop and heartbeats. Resolves
   * even when nothing could be loaded: snapshot() then stays null (not ready) while the loop retries.
   */
  async start(): Promise<void> {
    if (this.#phase !== 'new') throw new Error('RoutingState.start() may be called once');
    this.#phase = 'starting';
    const { bus, dataDir, db } = this.#options;
    this.#offReconnect = bus.onReconnect(() => {
      this.#log.info({}, 'bus reconnected; running a full reconcile');
      this.#requestReconcile();
    });
    void this.#subscribe();
    const bound = this.#options.initialLoadTimeoutMs ?? 10_000;
    try {
      await withTimeout(this.#sync.loadAll(), bound, 'initial load from Postgres');
    } catch (err) {
      this.#sync.failed(err, 'initial load failed');
      await this.#loadFromDisk(dataDir);
    }
    if (this.#isClosed()) return;
    this.#phase = 'running';
    this.#loop = startLoop(() => this.reconcile(), this.#options.reconcileIntervalMs ?? 5000);
    this.#heartbeats = startHeartbeats({
      db,
      intervalMs: this.#options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
      logger: this.#log,
      build: () => ({
        replicaId: this.replicaId,
        hostname: this.hostname,
        startedAt: this.startedAt,
        ...this.report.heartbeat(
          this.#store.current,
          collectVersionWarnings(this.#store.current, this.#options.backends),
        ),
      }),
    });
    void this.#heartbeats.beat();
    if (this.#reconcileWanted) this.#requestReconcile();
  }

  /** Compares generations with Postgres now and reloads what moved; never throws. */
  reconcile(): Promise<void> {
    if (this.#unsubscribe === null) void this.#subscribe();
    return this.#sync.reconcile();
  }

  /** Stops the loops and the subscription; waits briefly for reloads in flight and the last disk write. */
  async close(): Promise<void> {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.#loop?.stop();
    this.#offReconnect?.();
    await this.#unsubscribe?.().catch(() => {});
    await this.#heartbeats?.stop();
    await withTimeout(this.#sync.idle(), 5000, 'routing reloads').catch(() => {});
    await this.#store.close();
  }

  async #loadFromDisk(dataDir: string): Promise<void> {
    try {
      const disk = await readSnapshotFile(dataDir);
      if (disk === null) {
        this.#log.warn({ dataDir }, 'Postgres unreachable and no snapshot on disk: not ready');
        return;
      }
      for (const bad of disk.invalid) this.#log.error(bad, 'disk snapshot table failed validation; skipped');
      const loaded = disk.tables.map((table) => ({ kind: 'table' as const, table, skipped: [] }));
      const tokens = { hashes: disk.tokenHashes, quotas: disk.tokenQuotas, generation: disk.tokenGeneration };
      await this.#store.replaceAll(loaded, tokens, 'disk');
      this.#log.warn(
        { savedAt: disk.savedAt, models: disk.tables.length },
        'serving the disk snapshot (stale)',
      );
    } catch (err) {
      this.#log.error({ err: errorMessage(err) }, 'could not read the disk snapshot: not ready');
    }
  }

  #onMessage = (message: BusMessage): void => {
    if (this.#phase === 'running') this.#sync.onMessage(message);
    else this.#reconcileWanted = true;
  };

  async #subscribe(): Promise<void> {
    if (this.#subscribing || this.#unsubscribe !== null || this.#isClosed()) return;
    this.#subscribing = true;
    try {
      const unsubscribe = await this.#options.bus.subscribe(this.#onMessage);
      if (this.#isClosed()) {
        await unsubscribe();
        return;
      }
      this.#unsubscribe = unsubscribe;
      // Anything published before the subscription went live was missed: catch up once.
      this.#requestReconcile();
    } catch (err) {
      this.#log.warn({ err: errorMessage(err) }, 'bus subscribe failed; the reconcile loop retries');
    } finally {
      this.#subscribing = false;
    }
  }

  // A method, not an inline comparison: TypeScript would otherwise narrow #phase across awaits.
  #isClosed(): boolean {
    return this.#phase === 'closed';
  }

  #requestReconcile(): void {
    if (this.#phase === 'running') void this.reconcile();
    else this.#reconcileWanted = true;
  }
}
