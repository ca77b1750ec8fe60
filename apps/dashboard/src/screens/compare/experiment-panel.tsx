import { count, interval, percent, points, pValue } from '../../lib/stats-format.ts';
import { Figure } from './serving-panel.tsx';
import type { Compare, VersionRow } from './types.ts';

export type IntervalKind = 'sequential' | 'fixed';

type Comparison = NonNullable<NonNullable<VersionRow['vsBaseline']>['conversion']>;

/**
 * Conversions (or mean value) per experiment unit, and each variant's absolute and relative lift
 * against the baseline with its interval and p-value, raw counts under each figure.
 */
export function ExperimentPanel({ data, kind }: { data: Compare; kind: IntervalKind }) {
  const hasConversions = data.versions.some((v) => v.conversion !== null);
  const hasValues = data.versions.some((v) => v.value !== null);
  const base = data.versions.find((v) => v.baseline);
  return (
    <section className="panel" aria-labelledby="experiment-title">
      <h2 id="experiment-title">Conversions and lift</h2>
      {!hasConversions && !hasValues ? (
        <p>No feedback in this window yet: lifts appear once outcomes are reported to /v1/feedback.</p>
      ) : (
        <div className="table-wrap">
          <table className="compare">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">{hasConversions ? 'Conversion rate' : 'Mean value'}</th>
                <th scope="col">Absolute lift</th>
                <th scope="col">Relative lift</th>
                <th scope="col">p-value</th>
                <th scope="col">Verdict</th>
              </tr>
            </thead>
            <tbody>
              {data.versions.map((v) => {
                const vs = hasConversions ? v.vsBaseline?.conversion : v.vsBaseline?.value;
                return (
                  <tr key={v.version} data-version={v.version}>
                    <th scope="row">
                      {v.version}
                      {v.baseline ? ' (baseline)' : ''}
                    </th>
                    <td className="num" data-field="outcome">
                      {hasConversions && v.conversion && (
                        <Figure
                          value={`${percent(v.conversion.rate)} ${interval(v.conversion.interval, percent)}`}
                          basis={`${count(v.conversion.conversions)} of ${count(v.conversion.units)} units`}
                        />
                      )}
                      {!hasConversions && v.value && (
                        <Figure
                          value={`${v.value.mean.toFixed(3)} [${v.value.interval.lower.toFixed(3)}, ${v.value.interval.upper.toFixed(3)}]`}
                          basis={`${count(v.value.units)} units`}
                        />
                      )}
                    </td>
                    {vs && base ? (
                      <LiftCells
                        vs={vs}
                        kind={kind}
                        basis={`${count(v.units)} vs ${count(base.units)} units`}
                        rate={hasConversions}
                      />
                    ) : (
                      <td colSpan={4}>{v.baseline ? 'the baseline' : 'no comparison yet'}</td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function LiftCells(props: { vs: Comparison; kind: IntervalKind; basis: string; rate: boolean }) {
  const { vs, kind, basis } = props;
  const absoluteFormat = props.rate ? points : (v: number) => (v > 0 ? '+' : '') + v.toFixed(3);
  const abs = vs.absolute;
  const rel = vs.relative;
  return (
    <>
      <td className="num" data-field="absolute-lift">
        <Figure
          value={`${absoluteFormat(abs.estimate)} ${interval(abs[kind], absoluteFormat)}`}
          basis={basis}
        />
      </td>
      <td className="num" data-field="relative-lift">
        {rel ? (
          <Figure
            value={`${percent(rel.estimate, true)} ${interval(rel[kind], (v) => percent(v, true))}`}
            basis={basis}
          />
        ) : (
          'baseline is 0'
        )}
      </td>
      <td className="num">
        <Figure
          value={pValue(vs.pValue)}
          basis={vs.test === 'two-proportion-z' ? 'two-proportion z' : 'Welch t'}
        />
      </td>
      <td>
        {vs.significant
          ? `${abs.estimate > 0 ? 'better' : 'worse'} than the baseline (the sequential interval excludes 0)`
          : 'no clear difference yet'}
      </td>
    </>
  );
}
