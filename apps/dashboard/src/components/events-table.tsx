import type { AppRouter } from '@modelplane/control-plane';
import type { inferRouterOutputs } from '@trpc/server';
import { dateTime } from '../lib/format.ts';

export type AlertEvent = inferRouterOutputs<AppRouter>['alerts']['list']['events'][number];

const DELIVERY: Record<AlertEvent['delivery'], string> = {
  none: 'recorded only (no webhook)',
  pending: 'pending',
  delivered: 'delivered',
  failed: 'failed',
};

/** Alert and rollout events from the outbox, newest first, with their webhook delivery state. */
export function EventsTable({ events, label }: { events: AlertEvent[]; label: string }) {
  if (events.length === 0) return <p>No events recorded.</p>;
  return (
    <div className="table-wrap">
      <table className="events" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">State</th>
            <th scope="col">Kind</th>
            <th scope="col">Message</th>
            <th scope="col">Webhook</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id} data-kind={e.kind} data-state={e.state}>
              <td>{dateTime(e.at)}</td>
              <td>
                <span className={`badge badge-alert-${e.state}`}>{e.state}</span>
              </td>
              <td>{e.kind}</td>
              <td className="message">{e.message}</td>
              <td>
                {DELIVERY[e.delivery]}
                {e.attempts > 0 && <span className="muted"> ({e.attempts} attempts)</span>}
                {e.lastError && <span className="muted"> — {e.lastError}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
