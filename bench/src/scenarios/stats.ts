/** Percentiles of a set of timings, in milliseconds. */
export interface TimingSummary {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank p50 and p99 (with 100 samples, p99 is the 99th smallest) and the maximum. */
export function summarize(values: readonly number[]): TimingSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  return {
    samples: sorted.length,
    p50: at(0.5) ?? Number.NaN,
    p99: at(0.99) ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}
