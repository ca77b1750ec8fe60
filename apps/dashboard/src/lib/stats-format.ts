/** How the compare screen words numbers: intervals, lifts, p-values and counts. */

export interface Interval {
  lower: number;
  upper: number;
}

/** A fraction as a percentage with sign when asked: 0.0123 → "+1.23 %". */
export function percent(value: number, signed = false): string {
  const text = `${(value * 100).toFixed(2)} %`;
  return signed && value > 0 ? `+${text}` : text;
}

/** A fraction in percentage points (an absolute lift between two rates): 0.0123 → "+1.23 pp". */
export function points(value: number): string {
  const text = `${(value * 100).toFixed(2)} pp`;
  return value > 0 ? `+${text}` : text;
}

/** "[−0.40 pp, +2.10 pp]" with the same formatter as the estimate. */
export function interval(range: Interval, format: (v: number) => string): string {
  const bound = (v: number) => (Number.isFinite(v) ? format(v) : v > 0 ? '+∞' : '−∞');
  return `[${bound(range.lower)}, ${bound(range.upper)}]`;
}

export function pValue(p: number): string {
  return p < 0.0001 ? 'p < 0.0001' : `p = ${p.toFixed(4)}`;
}

/** 12345 → "12,345" (the reader's locale). */
export function count(n: number): string {
  return n.toLocaleString();
}
