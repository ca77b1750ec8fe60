import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { useTRPC } from '../../lib/trpc.ts';
import type { Traffic } from './split-panel.tsx';

const WHOLE_MODEL = '';

/** Purges the data planes' prediction cache for the model or one version (`cache.purge`, operators). */
export function CachePanel({ traffic }: { traffic: Traffic }) {
  const trpc = useTRPC();
  const model = traffic.model;
  const [version, setVersion] = useState(WHOLE_MODEL);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const purge = useMutation(
    trpc.cache.purge.mutationOptions({
      onSuccess: (result) =>
        setDone(`Purged the cache of ${result.version ? `${model}@${result.version}` : model}.`),
      onSettled: () => setConfirming(false),
    }),
  );
  const scope = version === WHOLE_MODEL ? `every version of ${model}` : `${model}@${version}`;

  return (
    <section className="panel" aria-labelledby="cache-title">
      <h2 id="cache-title">Prediction cache</h2>
      <form
        className="action"
        onSubmit={(event) => {
          event.preventDefault();
          setDone(null);
          setConfirming(true);
        }}
      >
        <label>
          <span>Purge</span>
          <select value={version} onChange={(e) => setVersion(e.target.value)}>
            <option value={WHOLE_MODEL}>all versions</option>
            {traffic.versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={purge.isPending}>
          Purge cache…
        </button>
      </form>
      <ErrorBanner error={purge.error} what="The cache was not purged" />
      {done && <p role="status">{done}</p>}
      {confirming && (
        <ConfirmDialog
          title={`Purge the cache of ${model}?`}
          effect={`Cached predictions of ${scope} are dropped on every replica; the next requests run the model again.`}
          confirmLabel="Purge cache"
          busy={purge.isPending}
          onConfirm={() => purge.mutate(version === WHOLE_MODEL ? { model } : { model, version })}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
