import { describe, expect, it } from 'vitest';
import { parseMetrics, sumOf } from './metrics.ts';

const TEXT = `# HELP modelplane_cache_events_total Prediction-cache outcomes
# TYPE modelplane_cache_events_total counter
modelplane_cache_events_total{version="recs@2.0.0",event="miss"} 120
modelplane_cache_events_total{version="recs@2.0.0",event="hit_memory"} 7
modelplane_cache_events_total{version="other@1.0.0",event="miss"} 3
modelplane_routing_applied_timestamp_seconds{model="recs"} 1765080000.125
process_cpu_seconds_total 4.5
`;

describe('parseMetrics', () => {
  it('reads names, labels and values, skipping comments', () => {
    const samples = parseMetrics(TEXT);
    expect(samples).toHaveLength(5);
    expect(samples[3]).toEqual({
      name: 'modelplane_routing_applied_timestamp_seconds',
      labels: { model: 'recs' },
      value: 1765080000.125,
    });
    expect(samples[4]).toEqual({ name: 'process_cpu_seconds_total', labels: {}, value: 4.5 });
  });

  it('sums the samples of one metric whose labels match', () => {
    const samples = parseMetrics(TEXT);
    expect(sumOf(samples, 'modelplane_cache_events_total', (l) => l.event === 'miss')).toBe(123);
    expect(
      sumOf(samples, 'modelplane_cache_events_total', (l) => l.version?.startsWith('recs@') ?? false),
    ).toBe(127);
    expect(sumOf(samples, 'no_such_metric')).toBe(0);
  });
});
