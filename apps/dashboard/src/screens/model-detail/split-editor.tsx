import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { describeSplit, percentOfBp, TOTAL_BP } from '../../lib/format.ts';
import { bucketsMoved, percentToBp } from '../../lib/split-preview.ts';
import { useTRPC } from '../../lib/trpc.ts';
import type { Traffic } from './split-panel.tsx';

type Draft = Record<string, string>;

function draftOf(traffic: Traffic): Draft {
  const draft: Draft = {};
  for (const v of traffic.versions) {
    if (v.status === 'archived') continue;
    const weight = traffic.revision?.weights.find((w) => w.version === v.version)?.weight ?? 0;
    draft[v.version] = String(weight / 100);
  }
  return draft;
}

/** Reads the draft: the weights in basis points, or the first problem, naming the field. */
function readDraft(model: string, draft: Draft) {
  const weights: { version: string; weight: number }[] = [];
  for (const [version, text] of Object.entries(draft)) {
    const weight = percentToBp(text);
    if (weight === null) {
      return { problem: `${model}@${version}: enter a percentage from 0 to 100 (up to 2 decimals)`, weights };
    }
    weights.push({ version, weight });
  }
  const total = weights.reduce((sum, w) => sum + w.weight, 0);
  if (total !== TOTAL_BP) {
    return { problem: `The weights add up to ${percentOfBp(total)}; they must add up to 100 %.`, weights };
  }
  return { problem: null, weights: weights.filter((w) => w.weight > 0) };
}

/**
 * Edits the split as percentages and previews, before anything is applied, how many routing keys
 * would change version (the same minimal-movement derivation the control plane runs).
 */
export function SplitEditor({ traffic }: { traffic: Traffic }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const revisionNumber = traffic.revision?.revision ?? 0;
  const [draft, setDraft] = useState<Draft>(() => draftOf(traffic));
  const [basedOn, setBasedOn] = useState(revisionNumber);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const apply = useMutation(
    trpc.traffic.set.mutationOptions({
      onSuccess: (revision) => {
        setDone(
          `Revision #${revision.revision} is active: ${describeSplit(traffic.model, revision.weights)}.`,
        );
        void queryClient.invalidateQueries();
      },
      onSettled: () => setConfirming(false),
    }),
  );
  // Someone (or this page) changed the split: start again from the new one.
  if (basedOn !== revisionNumber) {
    setBasedOn(revisionNumber);
    setDraft(draftOf(traffic));
  }

  const { problem, weights } = readDraft(traffic.model, draft);
  const current = traffic.revision?.weights ?? [];
  const moved = problem === null && current.length > 0 ? bucketsMoved(current, weights) : null;
  const preview =
    moved === null
      ? null
      : `${moved} of ${TOTAL_BP} routing buckets change version: ${percentOfBp(moved)} of routing keys (users) move.`;

  return (
    <section className="panel" aria-labelledby="editor-title">
      <h2 id="editor-title">Split editor</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (problem === null) setConfirming(true);
        }}
      >
        <div className="weights">
          {Object.entries(draft).map(([version, text]) => (
            <label key={version}>
              <span>
                {traffic.model}@{version} (%)
              </span>
              <input
                name={`weight-${version}`}
                inputMode="decimal"
                value={text}
                onChange={(e) => {
                  setDone(null);
                  setDraft({ ...draft, [version]: e.target.value });
                }}
              />
            </label>
          ))}
        </div>
        {problem ? (
          <p className="error" role="alert">
            {problem}
          </p>
        ) : (
          <p role="status" data-testid="split-preview">
            {preview}
          </p>
        )}
        <button
          type="submit"
          className="primary"
          disabled={problem !== null || moved === 0 || apply.isPending}
        >
          Apply split…
        </button>
      </form>
      <ErrorBanner error={apply.error} what="The split was not applied" />
      {done && <p role="status">{done}</p>}
      {confirming && problem === null && (
        <ConfirmDialog
          title={`Change the split of ${traffic.model}?`}
          effect={`New split: ${describeSplit(traffic.model, weights)}. ${preview ?? ''}`}
          confirmLabel="Apply split"
          busy={apply.isPending}
          onConfirm={() => apply.mutate({ model: traffic.model, weights })}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
