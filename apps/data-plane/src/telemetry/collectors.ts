import { Gauge, type Registry } from 'prom-client';
import type { BackendStats } from '../backends/stats.ts';
import type { CacheStatsSnapshot } from '../cache/stats.ts';
import type { RoutingView } from '../routing/view.ts';
import { registerBackendMetrics } from './backend-metrics.ts';
import type { BatchBufferStats } from './batch-buffer.ts';
import { registerCacheMetrics } from './cache-metrics.ts';
import { mirroredCounter } from './mirrored-counter.ts';

/** What the scrape-time gauges read. Optional parts are exported when the replica has them. */
export interface CollectorSources {
  routing: RoutingView & {
    stalenessMs?(): number;
    stats?: Readonly<Record<string, number>>;
    appliedAtMs?(model: string): number | undefined;
    receivedAtMs?(model: string): number | undefined;
  };
  predictionLog: BatchBufferStats | null;
  feedback: BatchBufferStats | null;
  rollups: { pending: number; droppedRequests: number } | null;
  backendStats?: BackendStats;
  /** The prediction cache's counters, when the replica has a cache. */
  cacheStats?: () => CacheStatsSnapshot;
}

/** Gauges and mirrored counters computed when /metrics is scraped, never on the request path. */
export function registerCollectors(registry: Registry, sources: CollectorSources): void {
  const { routing } = sources;
  new Gauge({
    name: 'modelplane_routing_revision',
    help: 'The routing revision each model is served with',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const table of routing.snapshot()?.models.values() ?? []) {
        if (table.revision) this.set({ model: table.name }, table.revision.number);
      }
    },
  });
  new Gauge({
    name: 'modelplane_routing_revision_age_seconds',
    help: 'Seconds since the control plane created the revision each model is served with',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      const now = Date.now();
      for (const table of routing.snapshot()?.models.values() ?? []) {
        if (table.revision)
          this.set({ model: table.name }, (now - Date.parse(table.revision.createdAt)) / 1000);
      }
    },
  });
  new Gauge({
    name: 'modelplane_routing_applied_timestamp_seconds',
    help: 'When this replica swapped in the routing table each model is served with (Unix time, sub-millisecond)',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const table of routing.snapshot()?.models.values() ?? []) {
        const at = routing.appliedAtMs?.(table.name);
        if (at !== undefined) this.set({ model: table.name }, at / 1000);
      }
    },
  });
  new Gauge({
    name: 'modelplane_routing_message_received_timestamp_seconds',
    help:
      'When this replica received the bus message that started its latest reload of each model ' +
      '(Unix time, sub-millisecond): with the applied timestamp, splits propagation into delivery and apply',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const table of routing.snapshot()?.models.values() ?? []) {
        const at = routing.receivedAtMs?.(table.name);
        if (at !== undefined) this.set({ model: table.name }, at / 1000);
      }
    },
  });
  new Gauge({
    name: 'modelplane_routing_staleness_seconds',
    help: 'Seconds since the replica last confirmed its routing state with Postgres',
    registers: [registry],
    collect() {
      if (routing.stalenessMs) this.set(routing.stalenessMs() / 1000);
    },
  });
  new Gauge({
    name: 'modelplane_routing_stale',
    help: '1 while serving a snapshot the replica could not refresh (disk copy or Postgres outage)',
    registers: [registry],
    collect() {
      this.set(routing.isStale() ? 1 : 0);
    },
  });
  const routingCounter = (key: string, name: string, help: string) =>
    mirroredCounter(registry, name, help, () => routing.stats?.[key]);
  routingCounter(
    'rejectedRevisions',
    'modelplane_routing_rejected_revisions_total',
    'Revisions refused by validation',
  );
  routingCounter(
    'reloadErrors',
    'modelplane_routing_reload_errors_total',
    'Routing loads from Postgres that failed',
  );
  routingCounter('appliedTables', 'modelplane_routing_applied_tables_total', 'Routing tables swapped in');
  routingCounter(
    'pushedTables',
    'modelplane_routing_pushed_tables_total',
    'Routing tables built from the rows a change message carried (no Postgres read)',
  );

  registerBufferMetrics(registry, 'prediction_log', sources.predictionLog);
  registerBufferMetrics(registry, 'feedback', sources.feedback);
  const rollups = sources.rollups;
  new Gauge({
    name: 'modelplane_rollup_pending_cells',
    help: 'Per-minute rollup cells waiting to be written',
    registers: [registry],
    collect() {
      this.set(rollups?.pending ?? 0);
    },
  });
  mirroredCounter(
    registry,
    'modelplane_rollup_dropped_requests_total',
    'Requests lost from rollups while Postgres was away',
    () => rollups?.droppedRequests,
  );
  if (sources.backendStats) registerBackendMetrics(registry, sources.backendStats);
  if (sources.cacheStats) registerCacheMetrics(registry, sources.cacheStats);
}

function registerBufferMetrics(registry: Registry, prefix: string, stats: BatchBufferStats | null): void {
  const name = (suffix: string) => `modelplane_${prefix}_${suffix}`;
  new Gauge({
    name: name('buffered_rows'),
    help: `Rows in the ${prefix} buffer, the batch being written included`,
    registers: [registry],
    collect() {
      this.set(stats?.bufferedRows ?? 0);
    },
  });
  new Gauge({
    name: name('buffered_bytes'),
    help: `Approximate bytes held by the ${prefix} buffer`,
    registers: [registry],
    collect() {
      this.set(stats?.bufferedBytes ?? 0);
    },
  });
  mirroredCounter(
    registry,
    name('written_total'),
    `Rows written by the ${prefix} buffer`,
    () => stats?.written,
  );
  mirroredCounter(
    registry,
    name('dropped_total'),
    `Rows the ${prefix} buffer dropped when full`,
    () => stats?.dropped,
  );
  mirroredCounter(
    registry,
    name('rejected_total'),
    `Items the ${prefix} buffer refused when full`,
    () => stats?.rejected,
  );
  mirroredCounter(
    registry,
    name('quarantined_total'),
    `Rows the database refused for their content, set aside so the ${prefix} rows behind them are written`,
    () => stats?.quarantined,
  );
  mirroredCounter(
    registry,
    name('flush_failures_total'),
    `Failed ${prefix} batch writes`,
    () => stats?.failures,
  );
}
