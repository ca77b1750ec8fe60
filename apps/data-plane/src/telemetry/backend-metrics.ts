import { Gauge, type Registry } from 'prom-client';
import type { BackendStats } from '../backends/stats.ts';
import { mirroredCounter } from './mirrored-counter.ts';
import { CounterFamily, HistogramFamily, Lookup } from './series.ts';

/** Batch sizes, remote-backend latency, sheds and admission from the backends' stats events. */
export function registerBackendMetrics(registry: Registry, stats: BackendStats): void {
  const registers = [registry];
  const batchSize = new HistogramFamily(registry, {
    name: 'modelplane_batch_size',
    help: 'Requests per batched model run, by version',
    labelNames: ['version'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  });
  const batchWait = new HistogramFamily(registry, {
    name: 'modelplane_batch_wait_seconds',
    help: 'How long the oldest request of a batch waited for companions',
    labelNames: ['version'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05],
  });
  const backendLatency = new HistogramFamily(registry, {
    name: 'modelplane_backend_duration_seconds',
    help: 'Remote backend call latency by version and outcome',
    labelNames: ['version', 'outcome'],
    buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1, 2, 5, 10, 30],
  });
  const inferenceLatency = new HistogramFamily(registry, {
    name: 'modelplane_inference_duration_seconds',
    help: 'In-process model execution latency (ONNX Runtime, batch wait included) by version and outcome',
    labelNames: ['version', 'outcome'],
    buckets: [
      0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1, 2, 5,
    ],
  });
  const shed = new CounterFamily(registry, {
    name: 'modelplane_shed_total',
    help: 'Predictions turned away before running, by reason and version',
    labelNames: ['reason', 'version'],
  });
  // Series resolved once per version (and outcome, reason) and kept: an event adds to numbers.
  const batches = new Lookup((version: string) => ({
    size: batchSize.series({ version }),
    wait: batchWait.series({ version }),
  }));
  const calls = new Lookup(
    (version: string) => new Lookup((outcome: string) => backendLatency.series({ version, outcome })),
  );
  const runs = new Lookup(
    (version: string) => new Lookup((outcome: string) => inferenceLatency.series({ version, outcome })),
  );
  const sheds = new Lookup(
    (reason: string) => new Lookup((version: string) => shed.series({ reason, version })),
  );
  stats.on('batch', (flush) => {
    const series = batches.get(flush.version);
    series.size.observe(flush.requests);
    series.wait.observe(flush.waitedMs / 1000);
  });
  stats.on('call', (call) =>
    calls
      .get(call.version)
      .get(call.outcome)
      .observe(call.latencyMs / 1000),
  );
  stats.on('run', (run) =>
    runs
      .get(run.version)
      .get(run.outcome)
      .observe(run.latencyMs / 1000),
  );
  stats.on('shed', (event) =>
    sheds
      .get(event.reason)
      .get(event.version ?? '')
      .inc(),
  );
  const warmupFailures = new CounterFamily(registry, {
    name: 'modelplane_warmup_failures_total',
    help: 'Failed warm-ups by version; request="zeros" still serves (a warning), "registered" does not',
    labelNames: ['model', 'version', 'request'],
  });
  stats.on('warmupFailure', (f) =>
    warmupFailures.series({ model: f.model, version: f.version, request: f.request }).inc(),
  );
  mirroredCounter(
    registry,
    'modelplane_backend_retries_total',
    'Retried backend calls',
    () => stats.counters.retries,
  );
  mirroredCounter(
    registry,
    'modelplane_backend_retries_denied_total',
    'Retries the retry budget refused',
    () => stats.counters.retriesDenied,
  );
  const admission = (field: 'inFlight' | 'queued', name: string, help: string) =>
    new Gauge({
      name,
      help,
      labelNames: ['version'],
      registers,
      collect() {
        this.reset();
        for (const gauge of stats.admission()) this.set({ version: gauge.version }, gauge[field]);
      },
    });
  admission('inFlight', 'modelplane_backend_in_flight', 'Model executions in flight, by version');
  admission('queued', 'modelplane_backend_queued', 'Model executions waiting for a slot, by version');
  new Gauge({
    name: 'modelplane_loaded_versions',
    help: 'Versions with a loaded (or loading) session: routed ones are never evicted, on-demand (pinned) ones are capped by MAX_LOADED_VERSIONS',
    labelNames: ['kind'],
    registers,
    collect() {
      const loaded = stats.loaded();
      this.set({ kind: 'routed' }, loaded.routed);
      this.set({ kind: 'on-demand' }, loaded.onDemand);
    },
  });
  mirroredCounter(
    registry,
    'modelplane_version_evictions_total',
    'Pinned versions evicted, least recently used first, to stay within MAX_LOADED_VERSIONS',
    () => stats.counters.evictions,
  );
  new Gauge({
    name: 'modelplane_backend_breaker_open',
    help: '1 while an endpoint circuit breaker is open, 0.5 half-open, 0 closed',
    labelNames: ['endpoint'],
    registers,
    collect() {
      this.reset();
      for (const b of stats.breakers())
        this.set({ endpoint: b.endpoint }, b.state === 'open' ? 1 : b.state === 'half-open' ? 0.5 : 0);
    },
  });
}
