import type { MinuteRollupRow } from '@modelplane/db';
import { histogramQuantile, mergeHistogram } from '@modelplane/stats';

/** The span the models screen's sparklines cover. */
export const SERIES_WINDOW_MS = 60 * 60_000;

/** One closed minute of one version, every replica merged. Minutes without traffic are absent. */
export interface SeriesPoint {
  /** The minute's start (ISO). */
  minute: string;
  requestsPerSecond: number;
  errorRate: number | null;
  p99Ms: number | null;
}

/** `<model>@<version>` → its points, oldest first, from the rows {@link listMinuteRollups} read. */
export function minuteSeries(rows: readonly MinuteRollupRow[]): Map<string, SeriesPoint[]> {
  // Replicas write one row each per minute: merge them (counts added, histograms bucket by bucket).
  const merged = new Map<string, { requests: number; errors: number; buckets: number[] }>();
  for (const row of rows) {
    const key = `${row.model}@${row.version}|${row.minute.toISOString()}`;
    const into = merged.get(key) ?? { requests: 0, errors: 0, buckets: [] };
    into.requests += row.requests;
    into.errors += row.errors;
    mergeHistogram(into.buckets, row.latencyBuckets);
    merged.set(key, into);
  }
  const series = new Map<string, SeriesPoint[]>();
  for (const [key, m] of merged) {
    const [ref = '', minute = ''] = key.split('|');
    const points = series.get(ref) ?? [];
    points.push({
      minute,
      requestsPerSecond: m.requests / 60,
      errorRate: m.requests > 0 ? m.errors / m.requests : null,
      p99Ms: histogramQuantile(m.buckets, 0.99),
    });
    series.set(ref, points);
  }
  for (const points of series.values()) points.sort((a, b) => a.minute.localeCompare(b.minute));
  return series;
}
