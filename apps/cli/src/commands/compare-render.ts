import type { ControlPlaneClient } from '@modelplane/client';
import { formatPercent, table } from '../output.ts';

/** What `metrics.compare` returns. */
export type CompareResult = Awaited<ReturnType<ControlPlaneClient['metrics']['compare']['query']>>;
type Version = CompareResult['versions'][number];
type Lift = NonNullable<NonNullable<Version['vsBaseline']>['conversion']>;

/** Unbounded interval ends travel as null in JSON. */
const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);
const pct = (x: number | null | undefined, digits = 1) => (finite(x) ? `${(x * 100).toFixed(digits)}%` : '-');
const signed = (x: number | null | undefined) =>
  finite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : '?';
const ms = (x: number | undefined) => (finite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '-');
const num = (x: number | null | undefined) => (finite(x) ? Number(x.toPrecision(4)).toString() : '?');

/** The per-version table, then one plain-words line per comparison with the baseline. */
export function renderCompare(result: CompareResult): string[] {
  const anyValue = result.versions.some((v) => v.value !== null);
  const anyConversion = result.versions.some((v) => v.conversion !== null);
  const header = [
    'VERSION',
    'WEIGHT',
    'REQUESTS',
    'ERRORS',
    'CACHE',
    'P50 MS',
    'P95 MS',
    'P99 MS',
    'P99 UNCACHED',
    'UNITS',
    ...(anyConversion ? ['CONVERSION (95% CI)'] : []),
    ...(anyValue ? ['MEAN VALUE (95% CI)'] : []),
  ];
  const rows = result.versions.map((v) => [
    v.baseline ? `${v.version} (baseline)` : v.version,
    v.weight === null ? '-' : formatPercent(v.weight),
    v.requests,
    pct(v.errorRate, 2),
    pct(v.cacheHitRate),
    ms(v.latencyMs?.p50),
    ms(v.latencyMs?.p95),
    ms(v.latencyMs?.p99),
    ms(v.uncachedP99Ms ?? undefined),
    v.units,
    ...(anyConversion
      ? [
          v.conversion
            ? `${pct(v.conversion.rate)} (${pct(v.conversion.interval.lower)}–${pct(v.conversion.interval.upper)})`
            : '-',
        ]
      : []),
    ...(anyValue
      ? [
          v.value
            ? `${num(v.value.mean)} (${num(v.value.interval.lower)}–${num(v.value.interval.upper)})`
            : '-',
        ]
      : []),
  ]);
  const lines = [
    `${result.model}: last ${result.window}, revision ${result.revision ?? '-'}`,
    '',
    ...table(header, rows),
    '',
  ];
  for (const v of result.versions) {
    if (!v.vsBaseline || result.baseline === null) continue;
    if (v.vsBaseline.conversion)
      lines.push(sentence(v.version, result.baseline, 'conversion rate', v.vsBaseline.conversion));
    if (v.vsBaseline.value)
      lines.push(sentence(v.version, result.baseline, 'mean value', v.vsBaseline.value));
  }
  if (!anyConversion && !anyValue)
    lines.push('no outcome feedback yet: send POST /v1/feedback to compare conversions or values');
  const { matchedRequests, unmatched } = result.feedback;
  lines.push(
    `feedback: ${matchedRequests} predictions have outcomes; ${unmatched} feedback request ids matched no prediction`,
  );
  for (const srm of result.srm) {
    const units = srm.arms
      .map((a) => `${a.version} ${a.units} (expected ${Math.round(a.expected)})`)
      .join(', ');
    lines.push(
      srm.flagged
        ? `WARNING sample ratio mismatch on revision ${srm.revision} (p = ${srm.pValue.toExponential(1)}): ${units}. The split is not what was configured, so these comparisons cannot be trusted.`
        : `split check, revision ${srm.revision}: units match the configured weights (p = ${srm.pValue.toFixed(3)})`,
    );
  }
  return lines;
}

/** "2.0.0's conversion rate is +50.4% relative to 1.0.0 …: significant …". */
function sentence(version: string, baseline: string, what: string, lift: Lift): string {
  const relative = lift.relative;
  // A difference of two rates is in percentage points, not percent.
  const absolute =
    lift.test === 'two-proportion-z' && finite(lift.absolute.estimate)
      ? `${signed(lift.absolute.estimate).replace('%', ' pp')}`
      : num(lift.absolute.estimate);
  const change = relative
    ? `${signed(relative.estimate)} relative (${absolute} absolute)`
    : `${absolute} absolute`;
  // A relative interval needs some variance in both arms; otherwise show the absolute one.
  const useRelative = relative && finite(relative.sequential.lower) && finite(relative.sequential.upper);
  const seq = useRelative ? relative.sequential : lift.absolute.sequential;
  const fixed = useRelative ? relative.fixed : lift.absolute.fixed;
  const interval = (i: { lower: number | null; upper: number | null }) =>
    useRelative ? `${signed(i.lower)} to ${signed(i.upper)}` : `${num(i.lower)} to ${num(i.upper)} absolute`;
  const verdict = lift.significant
    ? `significant: ${version} is ${(lift.absolute.estimate ?? 0) > 0 ? 'better' : 'worse'}, and this holds however often you look`
    : 'not significant yet: the difference could still be chance, keep the test running';
  return [
    `${version} vs ${baseline}, ${what}: ${change}; ${verdict}.`,
    `    always-valid 95% interval ${interval(seq)}; fixed-horizon ${interval(fixed)}, p = ${num(lift.pValue)} (${lift.test}, valid for a single look only)`,
  ].join('\n');
}
