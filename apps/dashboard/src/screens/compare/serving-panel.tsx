import { milliseconds, percentOfBp, ratePercent } from '../../lib/format.ts';
import { count } from '../../lib/stats-format.ts';
import type { Compare } from './types.ts';

/** A figure with the raw count it rests on underneath. */
export function Figure({ value, basis }: { value: string; basis: string }) {
  return (
    <>
      <span className="figure">{value}</span>
      <span className="basis">{basis}</span>
    </>
  );
}

/** Latency and errors per version over the window, every replica merged. */
export function ServingPanel({ data }: { data: Compare }) {
  return (
    <section className="panel" aria-labelledby="serving-title">
      <h2 id="serving-title">Latency and errors (last {data.window})</h2>
      <div className="table-wrap">
        <table className="compare">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Weight</th>
              <th scope="col">Requests</th>
              <th scope="col">p50</th>
              <th scope="col">p99</th>
              <th scope="col">p99 uncached</th>
              <th scope="col">Errors (5xx)</th>
            </tr>
          </thead>
          <tbody>
            {data.versions.map((v) => {
              const requests = `n = ${count(v.requests)} requests`;
              const uncached =
                v.cacheHitRate === null ? v.requests : Math.round(v.requests * (1 - v.cacheHitRate));
              return (
                <tr key={v.version} data-version={v.version}>
                  <th scope="row">
                    {v.version}
                    {v.baseline ? ' (baseline)' : ''}
                  </th>
                  <td className="num">{v.weight === null ? 'no traffic' : percentOfBp(v.weight)}</td>
                  <td className="num" data-field="requests">
                    {count(v.requests)}
                  </td>
                  <td className="num">
                    <Figure value={milliseconds(v.latencyMs?.p50 ?? null)} basis={requests} />
                  </td>
                  <td className="num" data-field="p99">
                    <Figure value={milliseconds(v.latencyMs?.p99 ?? null)} basis={requests} />
                  </td>
                  <td className="num">
                    <Figure value={milliseconds(v.uncachedP99Ms)} basis={`n = ${count(uncached)} uncached`} />
                  </td>
                  <td className="num" data-field="errors">
                    <Figure
                      value={ratePercent(v.errorRate)}
                      basis={`${count(Math.round((v.errorRate ?? 0) * v.requests))} of ${count(v.requests)}`}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
