import { useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { dateTime, describeSplit } from '../../lib/format.ts';
import { live } from '../../lib/polling.ts';
import { useTRPC } from '../../lib/trpc.ts';

/** What a change did, in a line: the split it made when it made one. */
function summary(model: string, after: unknown): string {
  const weights = (after as { weights?: unknown } | null)?.weights;
  if (Array.isArray(weights)) return describeSplit(model, weights as { version: string; weight: number }[]);
  if (after === null || after === undefined) return '';
  const text = JSON.stringify(after);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

/** The model's audit trail, newest first: who did what, when, from where. */
export function AuditPanel({ model }: { model: string }) {
  const trpc = useTRPC();
  const audit = useQuery(trpc.audit.list.queryOptions({ target: model, limit: 25 }, live));
  return (
    <section className="panel" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      <ErrorBanner error={audit.error} />
      {audit.data?.length === 0 && <p>No changes recorded.</p>}
      {audit.data && audit.data.length > 0 && (
        <div className="table-wrap">
          <table className="audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {audit.data.map((entry) => (
                <tr key={entry.id}>
                  <td>{dateTime(entry.createdAt)}</td>
                  <td>
                    {entry.actor} ({entry.actorRole})
                  </td>
                  <td>{entry.action}</td>
                  <td className="wrap">{summary(model, entry.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
