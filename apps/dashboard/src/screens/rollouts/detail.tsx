import { useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { dateTime } from '../../lib/format.ts';
import { navigate } from '../../lib/navigation.ts';
import { live } from '../../lib/polling.ts';
import { canAct, type Session } from '../../lib/session.ts';
import { useTRPC } from '../../lib/trpc.ts';
import { RolloutActions } from './actions.tsx';
import { ChecksTable } from './checks-table.tsx';
import { RolloutEvents } from './events.tsx';
import { TickHistory } from './history.tsx';
import { StepLadder } from './ladder.tsx';
import { STATE_LABELS } from './types.ts';

/** One rollout: its ladder, the latest tick's evidence, its history and events, and the actions. */
export function RolloutDetail({ id, session }: { id: string; session: Session }) {
  const trpc = useTRPC();
  const rollout = useQuery(trpc.rollouts.get.queryOptions({ id }, live));
  const r = rollout.data;

  return (
    <section aria-labelledby="rollout-title">
      <p>
        <a
          href="/ui/rollouts"
          onClick={(event) => {
            event.preventDefault();
            navigate('/rollouts');
          }}
        >
          ← All rollouts
        </a>
      </p>
      <h1 id="rollout-title">
        {r ? `${r.model}@${r.candidate}` : 'Rollout'} <span className="muted">{id}</span>
      </h1>
      <ErrorBanner error={rollout.error} />
      {r && (
        <>
          <section className="panel" aria-labelledby="ladder-title">
            <h2 id="ladder-title">Steps</h2>
            <p>
              State <strong data-testid="rollout-state">{STATE_LABELS[r.state]}</strong>
              {r.stateReason && <span className="muted"> ({r.stateReason})</span>}; candidate {r.model}@
              {r.candidate} against baseline {r.model}@{r.baseline}; started {dateTime(r.createdAt)} by{' '}
              {r.createdBy}.
            </p>
            <StepLadder rollout={r} />
            <p className="muted">
              Each step bakes at least {r.minBakeSeconds} s and needs {r.minSamplesPerArm} requests per arm; a
              tick every {r.tickIntervalSeconds} s. Current step since {dateTime(r.stepStartedAt)}.
            </p>
          </section>
          {canAct(session) && <RolloutActions rollout={r} />}
          <section className="panel" aria-labelledby="checks-title">
            <h2 id="checks-title">Latest checks</h2>
            <ChecksTable tick={r.ticks[0]} />
          </section>
          <section className="panel" aria-labelledby="ticks-title">
            <h2 id="ticks-title">Tick history</h2>
            <TickHistory ticks={r.ticks} />
          </section>
          <RolloutEvents rollout={r} />
        </>
      )}
    </section>
  );
}
