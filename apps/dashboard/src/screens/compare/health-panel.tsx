import { percentOfBp } from '../../lib/format.ts';
import { count, pValue } from '../../lib/stats-format.ts';
import type { Compare } from './types.ts';

/** Below this many units in an arm, the panel says the sample is still too small to judge. */
const SMALL_ARM = 100;

/** Whether the split sends units in the proportions it promises (SRM), and how much feedback matched, in words. */
export function HealthPanel({ data }: { data: Compare }) {
  return (
    <section className="panel" aria-labelledby="health-title">
      <h2 id="health-title">Sample health</h2>
      <ul className="health" data-testid="sample-health">
        {data.srm.length === 0 && (
          <li>No routed units in this window yet, so the split cannot be checked.</li>
        )}
        {data.srm.map((s) => {
          const arms = s.arms
            .map(
              (a) =>
                `${a.version} ${count(a.units)} units (expected ${count(Math.round(a.expected))}, ${percentOfBp(a.weight)})`,
            )
            .join('; ');
          return (
            <li key={s.revision} className={s.flagged ? 'error' : ''}>
              {s.flagged
                ? `Revision #${s.revision}: sample ratio mismatch. Units do not reach the versions in the proportions of the split (${pValue(s.pValue)}), so comparisons on this revision are suspect: look for a broken router, bot traffic or a version that drops requests.`
                : s.minArmUnits < SMALL_ARM
                  ? `Revision #${s.revision}: too few units to judge the split yet (the smallest arm has ${count(s.minArmUnits)}).`
                  : `Revision #${s.revision}: units reach the versions in the proportions of the split (${pValue(s.pValue)}).`}{' '}
              <span className="basis">{arms}</span>
            </li>
          );
        })}
        <li>
          Feedback: {count(data.feedback.matchedRequests)} requests have an outcome
          {data.feedback.unmatched > 0
            ? `; ${count(data.feedback.unmatched)} outcomes name a request the log does not hold (sent too late, or for another model)`
            : ''}
          .
        </li>
      </ul>
    </section>
  );
}
