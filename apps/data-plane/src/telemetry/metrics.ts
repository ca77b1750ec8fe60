import type { Registry } from 'prom-client';
import type { PredictionRecord, ServedFrom } from '../pipeline/types.ts';
import type { ModelTable } from '../routing/types.ts';
import {
  CounterFamily,
  type CounterSeries,
  HistogramFamily,
  type HistogramSeries,
  Lookup,
} from './series.ts';

/**
 * Latency buckets in seconds: dense from 0.25 ms to 30 ms, so p99 of a millisecond-scale model
 * falls between two close bounds, then coarser out to 30 s.
 */
export const LATENCY_BUCKETS_SECONDS = [
  0.00025, 0.0005, 0.00075, 0.001, 0.00125, 0.0015, 0.00175, 0.002, 0.0025, 0.003, 0.0035, 0.004, 0.005,
  0.006, 0.007, 0.008, 0.009, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15,
  0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30,
];

/** `success`, `client_error` (4xx) or `server_error` (5xx). */
type Outcome = 'success' | 'client_error' | 'server_error';

/** The outcome label of a response status. */
export function outcomeOf(status: number): Outcome {
  if (status >= 500) return 'server_error';
  return status >= 400 ? 'client_error' : 'success';
}

/** The label value for a model or version the routing table does not hold. */
export const UNKNOWN_LABEL = 'unknown';

/**
 * The `model` and `version` label values of a prediction. Names come from the request path, so
 * only those the routing table holds become labels: anything else is `unknown`, and a caller
 * sending random names cannot create series. `version` is empty when no version was assigned.
 */
export function predictionLabels(
  record: PredictionRecord,
  table: ModelTable | undefined,
): { model: string; version: string } {
  if (!table) return { model: UNKNOWN_LABEL, version: UNKNOWN_LABEL };
  const ref = record.servedVersion ?? record.assignedVersion;
  if (ref === null) return { model: table.name, version: '' };
  const label = ref.slice(ref.indexOf('@') + 1);
  return { model: table.name, version: table.versionsByLabel.get(label)?.ref === ref ? ref : UNKNOWN_LABEL };
}

const TIER: Partial<Record<ServedFrom, string>> = { 'cache-memory': 'memory', 'cache-redis': 'redis' };

/** The series of one model and version, each made the first time it counts something. */
interface VersionSeries {
  duration: Lookup<Outcome, HistogramSeries>;
  /** By outcome, then by where the answer came from. */
  predictions: Lookup<Outcome, Lookup<string, CounterSeries>>;
  errors: Lookup<string, CounterSeries>;
  cacheHits: Lookup<string, CounterSeries>;
  cacheMisses(): CounterSeries;
}

/**
 * The per-request metrics, fed from the response hook. Series are resolved once per model and
 * version (and outcome, route, status...) and kept, so a request adds to numbers; prom-client
 * reads them when /metrics is scraped (see series.ts).
 */
export class RequestMetrics {
  readonly #versions: Lookup<string, Lookup<string, VersionSeries>>;
  readonly #responses: Lookup<string, Lookup<number, CounterSeries>>;

  constructor(registry: Registry) {
    const duration = new HistogramFamily(registry, {
      name: 'modelplane_prediction_duration_seconds',
      help: 'Prediction latency in the server, by model, version (name@version) and outcome',
      labelNames: ['model', 'version', 'outcome'],
      buckets: LATENCY_BUCKETS_SECONDS,
    });
    const predictions = new CounterFamily(registry, {
      name: 'modelplane_predictions_total',
      help: 'Predictions by model, served version, outcome and where the answer came from',
      labelNames: ['model', 'version', 'outcome', 'served_from'],
    });
    const errors = new CounterFamily(registry, {
      name: 'modelplane_prediction_errors_total',
      help: 'Failed predictions by model, version and error code',
      labelNames: ['model', 'version', 'code'],
    });
    const cacheHits = new CounterFamily(registry, {
      name: 'modelplane_cache_hits_total',
      help: 'Predictions answered from the cache, by tier (memory, redis)',
      labelNames: ['model', 'version', 'tier'],
    });
    const cacheMisses = new CounterFamily(registry, {
      name: 'modelplane_cache_misses_total',
      help: 'Predictions of cache-enabled models that missed both cache tiers',
      labelNames: ['model', 'version'],
    });
    const responses = new CounterFamily(registry, {
      name: 'modelplane_http_responses_total',
      help: 'Every HTTP response by route pattern and status, predictions or not (auth failures, bad bodies)',
      labelNames: ['route', 'status'],
    });
    this.#versions = new Lookup(
      (model) =>
        new Lookup((version): VersionSeries => {
          let misses: CounterSeries | undefined;
          return {
            duration: new Lookup((outcome) => duration.series({ model, version, outcome })),
            predictions: new Lookup(
              (outcome) =>
                new Lookup((servedFrom) =>
                  predictions.series({ model, version, outcome, served_from: servedFrom }),
                ),
            ),
            errors: new Lookup((code) => errors.series({ model, version, code })),
            cacheHits: new Lookup((tier) => cacheHits.series({ model, version, tier })),
            cacheMisses: () => (misses ??= cacheMisses.series({ model, version })),
          };
        }),
    );
    this.#responses = new Lookup(
      (route) => new Lookup((status) => responses.series({ route, status: String(status) })),
    );
  }

  /**
   * One finished prediction, labelled with the served version (or the assigned one when none
   * served). `table` is the model's routing table in the request's snapshot, absent when unknown.
   */
  observePrediction(
    record: PredictionRecord,
    status: number,
    seconds: number,
    table: ModelTable | undefined,
  ): void {
    const { model, version } = predictionLabels(record, table);
    const series = this.#versions.get(model).get(version);
    const outcome = outcomeOf(status);
    series.duration.get(outcome).observe(seconds);
    series.predictions
      .get(outcome)
      .get(record.servedFrom ?? 'none')
      .inc();
    if (record.errorCode !== null) series.errors.get(record.errorCode).inc();
    const tier = record.servedFrom ? TIER[record.servedFrom] : undefined;
    if (tier) series.cacheHits.get(tier).inc();
    else if (table?.cache.enabled && status < 400) series.cacheMisses().inc();
  }

  observeResponse(route: string, status: number): void {
    this.#responses.get(route).get(status).inc();
  }
}
