import '../../insights.css';
import { useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { live } from '../../lib/polling.ts';
import { useTRPC } from '../../lib/trpc.ts';

/** Whole seconds, or minutes past two minutes: how long since a replica was last heard from. */
function age(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s ago` : `${Math.round(seconds / 60)} min ago`;
}

/**
 * Every live data-plane replica: how long since its heartbeat, and per model the revision it applied
 * against the active one, its state and load errors. One `dashboard.fleet` query.
 */
export function FleetScreen() {
  const trpc = useTRPC();
  const fleet = useQuery(trpc.dashboard.fleet.queryOptions(undefined, live));
  const replicas = fleet.data?.replicas;
  return (
    <section aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      <ErrorBanner error={fleet.error} />
      {!replicas && !fleet.error && <p>Loading…</p>}
      {replicas && replicas.length === 0 && <p>No live replicas: start a data plane.</p>}
      {replicas?.map((r) => (
        <section
          className="panel"
          key={r.replicaId}
          data-replica={r.replicaId}
          aria-labelledby={`replica-${r.replicaId}`}
        >
          <h2 id={`replica-${r.replicaId}`}>{r.replicaId}</h2>
          <p>
            {r.hostname}; last heartbeat{' '}
            <strong data-field="heartbeat-age">{age(r.heartbeatAgeSeconds)}</strong>
            {r.lastError && <span className="error"> Last error: {r.lastError}</span>}
          </p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Models on {r.replicaId}</caption>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Applied revision</th>
                  <th scope="col">Active revision</th>
                  <th scope="col">State</th>
                  <th scope="col">Why / load errors</th>
                </tr>
              </thead>
              <tbody>
                {r.models.map((m) => {
                  const errors = Object.entries(m.loadErrors).map(([ref, why]) => `${ref}: ${why}`);
                  return (
                    <tr key={m.model} data-model={m.model}>
                      <th scope="row">{m.model}</th>
                      <td>{m.appliedRevision === null ? '—' : `#${m.appliedRevision}`}</td>
                      <td>{m.activeRevision === null ? 'no traffic' : `#${m.activeRevision}`}</td>
                      <td data-field="state" className={m.state === 'in-sync' ? '' : 'warn'}>
                        {m.state}
                      </td>
                      <td>{[m.reason, ...errors].filter(Boolean).join('; ')}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </section>
  );
}
