import { useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { EventsTable } from '../../components/events-table.tsx';
import { live } from '../../lib/polling.ts';
import { useTRPC } from '../../lib/trpc.ts';
import type { Rollout } from './types.ts';

/**
 * The rollout's events (start, steps, operators' pauses, resumes, aborts…) from the alert outbox,
 * where the controller and the operator actions record them with the rollout's id in the message.
 */
export function RolloutEvents({ rollout }: { rollout: Rollout }) {
  const trpc = useTRPC();
  const alerts = useQuery(trpc.alerts.list.queryOptions({ model: rollout.model, limit: 200 }, live));
  const events = (alerts.data?.events ?? []).filter(
    (e) => e.kind.startsWith('rollout.') && e.message.includes(rollout.id),
  );
  return (
    <section className="panel" aria-labelledby="rollout-events-title">
      <h2 id="rollout-events-title">Events</h2>
      <ErrorBanner error={alerts.error} />
      {alerts.data && <EventsTable events={events} label="Rollout events" />}
    </section>
  );
}
