import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterFamily, HistogramFamily, Lookup } from './series.ts';

// prom-client's own Counter and Histogram, fed the same observations, are the reference: /metrics
// must read the same, line for line.

const BUCKETS = [0.001, 0.005, 0.01, 0.1, 1];
const VALUES = [0, 0.0005, 0.001, 0.0010001, 0.004, 0.005, 0.02, 0.5, 1, 3, 120];

function pseudoRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('CounterFamily and HistogramFamily', () => {
  it('expose exactly what prom-client exposes for the same observations', async () => {
    const reference = new Registry();
    const refCounter = new Counter({
      name: 'x_total',
      help: 'Things by model and outcome',
      labelNames: ['model', 'outcome'],
      registers: [reference],
    });
    const refHistogram = new Histogram({
      name: 'x_seconds',
      help: 'Latency by model and outcome',
      labelNames: ['model', 'outcome'],
      buckets: BUCKETS,
      registers: [reference],
    });
    const registry = new Registry();
    const counter = new CounterFamily(registry, {
      name: 'x_total',
      help: 'Things by model and outcome',
      labelNames: ['model', 'outcome'],
    });
    const histogram = new HistogramFamily(registry, {
      name: 'x_seconds',
      help: 'Latency by model and outcome',
      labelNames: ['model', 'outcome'],
      buckets: BUCKETS,
    });
    const counters = new Lookup(
      (model: string) => new Lookup((outcome: string) => counter.series({ model, outcome })),
    );
    const histograms = new Lookup(
      (model: string) => new Lookup((outcome: string) => histogram.series({ model, outcome })),
    );

    expect(await registry.metrics()).toBe(await reference.metrics());
    const random = pseudoRandom(7);
    for (let i = 0; i < 2000; i++) {
      const model = ['a', 'b"q', 'c\\n'][Math.floor(random() * 3)] as string;
      const outcome = random() < 0.8 ? 'success' : 'server_error';
      const value = VALUES[Math.floor(random() * VALUES.length)] as number;
      refCounter.inc({ model, outcome });
      refHistogram.observe({ model, outcome }, value);
      counters.get(model).get(outcome).inc();
      histograms.get(model).get(outcome).observe(value);
    }
    const text = await registry.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('x_seconds_bucket{le="+Inf",model="a",outcome="success"}');
    // Read again: scraping copies, it does not add.
    expect(await registry.metrics()).toBe(text);
  });

  it('show a series only once it has counted something, and hand out one object per label set', async () => {
    const registry = new Registry();
    const counter = new CounterFamily(registry, { name: 'y_total', help: 'y', labelNames: ['k'] });
    const histogram = new HistogramFamily(registry, {
      name: 'y_seconds',
      help: 'y',
      labelNames: ['k'],
      buckets: BUCKETS,
    });
    const idle = counter.series({ k: 'idle' });
    histogram.series({ k: 'idle' });
    expect(counter.series({ k: 'idle' })).toBe(idle);
    expect(await registry.metrics()).not.toContain('idle');
    idle.inc();
    expect(await registry.metrics()).toContain('y_total{k="idle"} 1');
    expect(() => histogram.series({ k: 'idle' }).observe(Number.NaN)).toThrow(/not a valid number/);
  });
});
