import { useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { dateTime } from '../../lib/format.ts';
import { navigate } from '../../lib/navigation.ts';
import { live } from '../../lib/polling.ts';
import { useTRPC } from '../../lib/trpc.ts';
import { STATE_LABELS } from './types.ts';

/** Every rollout, newest first: model, candidate against baseline, state and current step. */
export function RolloutList() {
  const trpc = useTRPC();
  const rollouts = useQuery(trpc.rollouts.list.queryOptions({ limit: 100 }, live));
  const rows = rollouts.data;

  return (
    <section aria-labelledby="rollouts-title">
      <h1 id="rollouts-title">Rollouts</h1>
      <ErrorBanner error={rollouts.error} />
      {!rows && !rollouts.error && <p>Loading…</p>}
      {rows?.length === 0 && <p>No rollouts yet: start one with `modelplane rollouts start`.</p>}
      {rows && rows.length > 0 && (
        <div className="table-wrap">
          <table className="rollouts">
            <thead>
              <tr>
                <th scope="col">Rollout</th>
                <th scope="col">Model</th>
                <th scope="col">Candidate</th>
                <th scope="col">Baseline</th>
                <th scope="col">State</th>
                <th scope="col">Step</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-rollout={r.id}>
                  <th scope="row">
                    <a
                      href={`/ui/rollouts/${encodeURIComponent(r.id)}`}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate(`/rollouts/${encodeURIComponent(r.id)}`);
                      }}
                    >
                      {r.id}
                    </a>
                  </th>
                  <td>{r.model}</td>
                  <td>{r.candidate}</td>
                  <td>{r.baseline}</td>
                  <td data-field="state">
                    <span className={`badge badge-state-${r.state}`}>{STATE_LABELS[r.state]}</span>
                  </td>
                  <td>
                    {r.currentWeight === null ? '—' : `${r.currentWeight} %`}{' '}
                    <span className="muted">
                      ({r.currentStep + 1} of {r.steps.length})
                    </span>
                  </td>
                  <td>
                    {dateTime(r.createdAt)} <span className="muted">by {r.createdBy}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
