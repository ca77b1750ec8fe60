import { useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { EventsTable } from '../../components/events-table.tsx';
import { dateTime } from '../../lib/format.ts';
import { live } from '../../lib/polling.ts';
import { canAct, type Session } from '../../lib/session.ts';
import { useTRPC } from '../../lib/trpc.ts';
import { RulesPanel } from './rules-panel.tsx';
import { describeThreshold, describeValue, KINDS } from './types.ts';

/** What is firing, every rule (edited by operators), and the event outbox with webhook delivery. */
export function AlertsScreen({ session }: { session: Session }) {
  const trpc = useTRPC();
  const alerts = useQuery(trpc.alerts.list.queryOptions({ limit: 100 }, live));
  const data = alerts.data;

  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts and events</h1>
      <ErrorBanner error={alerts.error} />
      {!data && !alerts.error && <p>Loading…</p>}
      {data && (
        <>
          <section className="panel" aria-labelledby="firing-title">
            <h2 id="firing-title">Firing ({data.firing.length})</h2>
            {data.firing.length === 0 ? (
              <p>Nothing is firing.</p>
            ) : (
              <ul className="firing" aria-label="Firing alerts">
                {data.firing.map((r) => (
                  <li key={`${r.model}/${r.kind}`}>
                    <strong>{r.model}</strong>: {KINDS[r.kind].label} {describeThreshold(r)}
                    {r.lastValue !== null && ` (now ${describeValue(r.kind, r.lastValue)})`}
                    {r.stateChangedAt && <span className="muted"> since {dateTime(r.stateChangedAt)}</span>}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <RulesPanel rules={data.rules} operator={canAct(session)} />
          <section className="panel" aria-labelledby="events-title">
            <h2 id="events-title">Events</h2>
            <p className="muted">
              Alerts firing and resolving, and rollout events, newest first.{' '}
              {data.webhookConfigured
                ? 'Each is posted to the alert webhook (ALERT_WEBHOOK_URL) with retries.'
                : 'No webhook is configured (ALERT_WEBHOOK_URL): events are recorded only.'}
            </p>
            <EventsTable events={data.events} label="Alert and rollout events" />
          </section>
        </>
      )}
    </section>
  );
}
