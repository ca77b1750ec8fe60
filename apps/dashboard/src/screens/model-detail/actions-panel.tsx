import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { describeSplit } from '../../lib/format.ts';
import { live } from '../../lib/polling.ts';
import { percentToBp } from '../../lib/split-preview.ts';
import { useTRPC } from '../../lib/trpc.ts';
import type { Traffic } from './split-panel.tsx';

type Pending = { title: string; effect: string; label: string; run(): void } | null;

/**
 * Canary, promote, rollback and reshuffle: the CLI's procedures, so the same roles and the same
 * audit rows. Each asks for a confirmation that names its effect.
 */
export function ActionsPanel({ traffic }: { traffic: Traffic }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const model = traffic.model;
  const history = useQuery(trpc.traffic.history.queryOptions({ model, limit: 100 }, live));
  const candidates = traffic.versions.filter(
    (v) => v.status !== 'archived' && v.version !== traffic.revision?.baseline,
  );
  const [canaryVersion, setCanaryVersion] = useState(candidates[0]?.version ?? '');
  const [canaryPercent, setCanaryPercent] = useState('10');
  const [promoteVersion, setPromoteVersion] = useState(candidates[0]?.version ?? '');
  const [pending, setPending] = useState<Pending>(null);
  const [done, setDone] = useState<string | null>(null);

  const settle = {
    onSuccess: (revision: { revision: number; weights: { version: string; weight: number }[] }) => {
      setDone(`Revision #${revision.revision} is active: ${describeSplit(model, revision.weights)}.`);
      void queryClient.invalidateQueries();
    },
    onSettled: () => setPending(null),
  };
  const canary = useMutation(trpc.traffic.canary.mutationOptions(settle));
  const promote = useMutation(trpc.traffic.promote.mutationOptions(settle));
  const rollback = useMutation(trpc.traffic.rollback.mutationOptions(settle));
  const reshuffle = useMutation(trpc.traffic.reshuffle.mutationOptions(settle));
  const busy = canary.isPending || promote.isPending || rollback.isPending || reshuffle.isPending;
  const error = canary.error ?? promote.error ?? rollback.error ?? reshuffle.error;

  // What `traffic.rollback` restores: the revision the active one's content was derived from.
  const rows = history.data ?? [];
  const active = rows.find((r) => r.active);
  const origin = rows.find((r) => r.revision === (active?.restoresRevision ?? active?.revision));
  const rollbackTo = rows.find((r) => r.revision === origin?.derivedFrom);
  const canaryBp = percentToBp(canaryPercent);

  const ask = (next: NonNullable<Pending>) => {
    setDone(null);
    setPending(next);
  };

  return (
    <section className="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <form
        className="action"
        onSubmit={(event) => {
          event.preventDefault();
          if (canaryBp === null || !canaryVersion) return;
          ask({
            title: `Canary ${model}@${canaryVersion}?`,
            effect: `${model}@${canaryVersion} gets ${canaryBp / 100} % of ${model}'s traffic; the other versions share the rest in their current proportions.`,
            label: 'Start canary',
            run: () => canary.mutate({ model, version: canaryVersion, weight: canaryBp }),
          });
        }}
      >
        <label>
          <span>Canary version</span>
          <select value={canaryVersion} onChange={(e) => setCanaryVersion(e.target.value)}>
            {candidates.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Canary share (%)</span>
          <input
            inputMode="decimal"
            value={canaryPercent}
            onChange={(e) => setCanaryPercent(e.target.value)}
          />
        </label>
        <button type="submit" disabled={busy || canaryBp === null || !canaryVersion}>
          Canary…
        </button>
        {canaryBp === null && (
          <span className="error" role="alert">
            Canary share: enter a percentage from 0 to 100.
          </span>
        )}
      </form>
      <form
        className="action"
        onSubmit={(event) => {
          event.preventDefault();
          if (!promoteVersion) return;
          ask({
            title: `Promote ${model}@${promoteVersion}?`,
            effect: `${model}@${promoteVersion} gets all of ${model}'s traffic and becomes the baseline.`,
            label: 'Promote',
            run: () => promote.mutate({ model, version: promoteVersion }),
          });
        }}
      >
        <label>
          <span>Promote version</span>
          <select value={promoteVersion} onChange={(e) => setPromoteVersion(e.target.value)}>
            {candidates.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy || !promoteVersion}>
          Promote…
        </button>
      </form>
      <div className="action">
        <button
          type="button"
          disabled={busy || !rollbackTo}
          onClick={() =>
            rollbackTo &&
            ask({
              title: `Roll back ${model}?`,
              effect: `Revision #${rollbackTo.revision} comes back: ${describeSplit(model, rollbackTo.weights)}. Users return to the versions they had then.`,
              label: 'Roll back',
              run: () => rollback.mutate({ model }),
            })
          }
        >
          Roll back…
        </button>
        <span className="muted">
          {rollbackTo ? `to revision #${rollbackTo.revision}` : 'no earlier revision to roll back to'}
        </span>
        <button
          type="button"
          disabled={busy || !traffic.revision}
          onClick={() =>
            ask({
              title: `Reshuffle ${model}?`,
              effect: `Same weights, new salt: every routing key of ${model} is assigned afresh, so most users change version once.`,
              label: 'Reshuffle',
              run: () => reshuffle.mutate({ model }),
            })
          }
        >
          Reshuffle…
        </button>
      </div>
      <ErrorBanner error={error} what="The action failed" />
      {done && <p role="status">{done}</p>}
      {pending && (
        <ConfirmDialog
          title={pending.title}
          effect={pending.effect}
          confirmLabel={pending.label}
          busy={busy}
          onConfirm={pending.run}
          onCancel={() => setPending(null)}
        />
      )}
    </section>
  );
}
