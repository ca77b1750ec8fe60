import type { AppRouter } from '@modelplane/control-plane';
import type { inferRouterOutputs } from '@trpc/server';
import { dateTime, percentOfBp } from '../../lib/format.ts';

export type Traffic = inferRouterOutputs<AppRouter>['traffic']['get'];

/** The active split and where every live replica is with it. */
export function SplitPanel({ traffic }: { traffic: Traffic }) {
  const { revision, replicas } = traffic;
  const inSync = replicas.filter((r) => r.state === 'in-sync').length;
  return (
    <section className="panel" aria-labelledby="split-title">
      <h2 id="split-title">Traffic</h2>
      {revision ? (
        <>
          <p>
            Revision <strong data-testid="active-revision">#{revision.revision}</strong> ({revision.action})
            by {revision.createdBy}, {dateTime(revision.createdAt)}
          </p>
          <ul className="split" aria-label="Active split">
            {revision.weights.map((w) => (
              <li key={w.version} data-version={w.version}>
                <span className="bar" style={{ width: `${w.weight / 100}%` }} aria-hidden="true" />
                <span>
                  {traffic.model}@{w.version}: <strong data-field="weight">{percentOfBp(w.weight)}</strong>
                  {w.version === revision.baseline ? ' (baseline)' : ''}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>No traffic split yet.</p>
      )}
      <h3>
        Replicas: <span data-testid="replicas-in-sync">{inSync}</span> / {replicas.length} in sync
      </h3>
      {replicas.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Replica</th>
                <th scope="col">State</th>
                <th scope="col">Applied revision</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {replicas.map((r) => (
                <tr key={r.replicaId}>
                  <td>{r.replicaId}</td>
                  <td className={r.state === 'in-sync' ? '' : 'warn'}>{r.state}</td>
                  <td>{r.appliedRevision === null ? '—' : `#${r.appliedRevision}`}</td>
                  <td>{r.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
