import { Counter, type Metric, type Registry } from 'prom-client';

/**
 * Metrics whose series are plain objects: the request path adds to a number (or a bucket array)
 * it resolved once and kept, instead of asking prom-client to hash a label set on every call;
 * prom-client reads them only when /metrics is scraped. Series appear on first use and are never
 * removed, as with prom-client's own `labels(...).inc()`.
 */

type Labels<L extends string> = Readonly<Record<L, string>>;

/** One counter series. */
export interface CounterSeries {
  /** Adds 1. */
  inc(): void;
}

/** One histogram series. */
export interface HistogramSeries {
  observe(value: number): void;
}

interface FamilyConfig<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
}

/** A labelled counter: series held as numbers, copied into a prom-client Counter at scrape. */
export class CounterFamily<L extends string> {
  readonly #series = new Map<string, { labels: Labels<L>; value: number; inc(): void }>();
  readonly #labelNames: readonly L[];

  constructor(registry: Registry, config: FamilyConfig<L>) {
    this.#labelNames = config.labelNames;
    const series = this.#series;
    new Counter({
      name: config.name,
      help: config.help,
      labelNames: [...config.labelNames],
      registers: [registry],
      collect() {
        this.reset();
        // A series made but never incremented is not shown, as prom-client would not have it.
        for (const s of series.values()) if (s.value > 0) this.inc(s.labels, s.value);
      },
    });
  }

  /** The series for `labels` (same object for the same values); resolve it once and keep it. */
  series(labels: Labels<L>): CounterSeries {
    const key = seriesKey(this.#labelNames, labels);
    let series = this.#series.get(key);
    if (!series) {
      series = {
        labels,
        value: 0,
        inc() {
          this.value += 1;
        },
      };
      this.#series.set(key, series);
    }
    return series;
  }
}

class BucketSeries<L extends string> implements HistogramSeries {
  /** Observations per bucket, not cumulative; beyond the last bound they count only in `count`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels<L>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    if (i < bounds.length) this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
  }
}

/**
 * A labelled histogram: series held as bucket arrays. prom-client's Histogram takes observations
 * one by one only, so this is a metric of its own that the registry reads like one of prom-client's
 * (`get()` returns the same values: cumulative `_bucket` lines with `le` first, `+Inf`, `_sum`, `_count`).
 */
export class HistogramFamily<L extends string> {
  readonly #series = new Map<string, BucketSeries<L>>();
  readonly #labelNames: readonly L[];
  readonly #buckets: readonly number[];

  constructor(registry: Registry, config: FamilyConfig<L> & { buckets: readonly number[] }) {
    this.#labelNames = config.labelNames;
    this.#buckets = config.buckets;
    const series = this.#series;
    const buckets = this.#buckets;
    const bucket = `${config.name}_bucket`;
    const metric = {
      name: config.name,
      help: config.help,
      type: 'histogram',
      aggregator: 'sum',
      async get() {
        const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
        for (const s of series.values()) {
          if (s.count === 0) continue;
          let cumulative = 0;
          for (let i = 0; i < buckets.length; i++) {
            cumulative += s.counts[i] as number;
            values.push({
              labels: { le: buckets[i] as number, ...s.labels },
              value: cumulative,
              metricName: bucket,
            });
          }
          values.push(
            { labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: bucket },
            { labels: { ...s.labels }, value: s.sum, metricName: `${config.name}_sum` },
            { labels: { ...s.labels }, value: s.count, metricName: `${config.name}_count` },
          );
        }
        return { name: config.name, help: config.help, type: 'histogram', values, aggregator: 'sum' };
      },
      reset() {
        series.clear();
      },
    };
    // The registry needs only name, help, type and get(); its Metric type names prom-client's own classes.
    registry.registerMetric(metric as unknown as Metric);
  }

  /** The series for `labels` (same object for the same values); resolve it once and keep it. */
  series(labels: Labels<L>): HistogramSeries {
    const key = seriesKey(this.#labelNames, labels);
    let series = this.#series.get(key);
    if (!series) {
      series = new BucketSeries(labels, this.#buckets);
      this.#series.set(key, series);
    }
    return series;
  }
}

function seriesKey<L extends string>(names: readonly L[], labels: Labels<L>): string {
  return JSON.stringify(names.map((name) => labels[name]));
}

/** Values made once per key and kept: a hot path's series cache (nest it for two keys). */
export class Lookup<K, V> {
  readonly #values = new Map<K, V>();

  constructor(private readonly make: (key: K) => V) {}

  get(key: K): V {
    let value = this.#values.get(key);
    if (value === undefined) {
      value = this.make(key);
      this.#values.set(key, value);
    }
    return value;
  }
}
