/** 10000 basis points = 100 %. */
export const TOTAL_BP = 10_000;

export function percentOfBp(bp: number): string {
  const pct = bp / 100;
  return `${Number.isInteger(pct) ? pct : pct.toFixed(2)} %`;
}

export function ratePercent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(rate < 0.01 && rate > 0 ? 2 : 1)} %`;
}

export function perSecond(value: number): string {
  return value === 0 ? '0' : value < 10 ? value.toFixed(2) : value.toFixed(0);
}

export function milliseconds(value: number | null): string {
  return value === null ? '—' : `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** `recs@1.0.0 90 %, recs@2.0.0 10 %` */
export function describeSplit(
  model: string,
  weights: readonly { version: string; weight: number }[],
): string {
  return weights.map((w) => `${model}@${w.version} ${percentOfBp(w.weight)}`).join(', ');
}
