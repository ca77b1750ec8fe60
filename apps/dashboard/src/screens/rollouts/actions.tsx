import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { useTRPC } from '../../lib/trpc.ts';
import { type Rollout, STATE_LABELS } from './types.ts';

type Action = 'approve' | 'pause' | 'resume' | 'abort';

/** Which action each state allows (the control plane's own rule; it refuses the rest with CONFLICT). */
const ALLOWED: Record<Action, Rollout['state'][]> = {
  approve: ['waiting_approval'],
  pause: ['running', 'waiting_approval'],
  resume: ['paused'],
  abort: ['running', 'waiting_approval', 'paused'],
};

function effectOf(action: Action, r: Rollout): string {
  const name = `${r.model}@${r.candidate}`;
  const next = r.steps[r.currentStep + 1];
  switch (action) {
    case 'approve':
      return next === 100 || next === undefined
        ? `${name} is promoted: it gets all of ${r.model}'s traffic and becomes the baseline.`
        : `${name} moves to the next step: ${next} % of ${r.model}'s traffic.`;
    case 'pause':
      return `The controller stops advancing ${name}; it stays at ${r.currentWeight} % (a failing check still rolls it back).`;
    case 'resume':
      return `The controller steers ${name} again from ${r.currentWeight} %; the step's clock and counters restart.`;
    case 'abort':
      return `${name} goes to 0 %: ${r.model}@${r.baseline} gets all the traffic back and the rollout ends (aborted). You can then change ${r.model}'s traffic by hand.`;
  }
}

const LABELS: Record<Action, string> = {
  approve: 'Approve',
  pause: 'Pause',
  resume: 'Resume',
  abort: 'Abort',
};

/** Approve, pause, resume, abort: the CLI's procedures (same roles, same audit rows), each confirmed. */
export function RolloutActions({ rollout }: { rollout: Rollout }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<Action | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const settle = {
    onSuccess: (next: Pick<Rollout, 'id' | 'state'>) => {
      setDone(`Rollout ${next.id} is ${STATE_LABELS[next.state]}.`);
      void queryClient.invalidateQueries();
    },
    onSettled: () => setPending(null),
  };
  const mutations = {
    approve: useMutation(trpc.rollouts.approve.mutationOptions(settle)),
    pause: useMutation(trpc.rollouts.pause.mutationOptions(settle)),
    resume: useMutation(trpc.rollouts.resume.mutationOptions(settle)),
    abort: useMutation(trpc.rollouts.abort.mutationOptions(settle)),
  };
  const all = Object.values(mutations);
  const busy = all.some((m) => m.isPending);
  const error = all.find((m) => m.error)?.error;
  const available = (Object.keys(ALLOWED) as Action[]).filter((a) => ALLOWED[a].includes(rollout.state));

  return (
    <section className="panel" aria-labelledby="rollout-actions-title">
      <h2 id="rollout-actions-title">Actions</h2>
      {available.length === 0 ? (
        <p>The rollout has ended ({STATE_LABELS[rollout.state]}); nothing left to do.</p>
      ) : (
        <div className="action">
          {available.map((action) => (
            <button
              key={action}
              type="button"
              disabled={busy}
              onClick={() => {
                setDone(null);
                for (const m of all) m.reset();
                setPending(action);
              }}
            >
              {LABELS[action]}…
            </button>
          ))}
        </div>
      )}
      <ErrorBanner error={error} what="The action failed" />
      {done && <p role="status">{done}</p>}
      {pending && (
        <ConfirmDialog
          title={`${LABELS[pending]} rollout ${rollout.id}?`}
          effect={effectOf(pending, rollout)}
          confirmLabel={LABELS[pending]}
          busy={busy}
          onConfirm={() => mutations[pending].mutate({ id: rollout.id })}
          onCancel={() => setPending(null)}
        />
      )}
    </section>
  );
}
