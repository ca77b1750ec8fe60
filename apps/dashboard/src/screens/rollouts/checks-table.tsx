import { dateTime } from '../../lib/format.ts';
import type { CheckResult, Tick } from './types.ts';

const CHECK_LABELS: Record<string, string> = {
  error_rate: 'Error rate (candidate − baseline)',
  latency_p99: 'p99 latency (candidate ÷ baseline)',
  srm: 'Sample ratio (p-value)',
  conversion: 'Conversion (candidate − baseline)',
};

function num(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(2);
  return Number(value.toFixed(4)).toString();
}

/** The latest tick's checks: n per arm, estimate, interval, threshold and verdict, as recorded. */
export function ChecksTable({ tick }: { tick: Tick | undefined }) {
  if (!tick) return <p>No tick yet: the controller evaluates the rollout every tick interval.</p>;
  const checks = tick.checks as CheckResult[];
  return (
    <div className="table-wrap">
      <table className="checks">
        <caption>
          Tick of {dateTime(tick.at)} at {tick.weight} %: window {dateTime(tick.windowStart)} –{' '}
          {dateTime(tick.windowEnd)}; decision <strong>{tick.decision}</strong> ({tick.reason})
        </caption>
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">n baseline</th>
            <th scope="col">n candidate</th>
            <th scope="col">Estimate</th>
            <th scope="col">Interval</th>
            <th scope="col">Threshold</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((c) => (
            <tr key={c.check} data-check={c.check}>
              <th scope="row">
                {CHECK_LABELS[c.check] ?? c.check}
                {c.critical && <span className="badge">critical</span>}
                {c.dryRun && <span className="badge">dry run</span>}
              </th>
              <td className="num" data-field="n-baseline">
                {c.n.baseline}
              </td>
              <td className="num" data-field="n-candidate">
                {c.n.candidate}
              </td>
              <td className="num">{num(c.estimate)}</td>
              <td className="num">
                {c.interval ? `[${num(c.interval.lower)}, ${num(c.interval.upper)}]` : '—'}
              </td>
              <td className="num">{num(c.threshold)}</td>
              <td data-field="verdict">
                <span className={`badge badge-verdict-${c.verdict.toLowerCase()}`}>{c.verdict}</span>{' '}
                <span className="muted">{c.reason}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
