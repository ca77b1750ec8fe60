import '../../insights.css';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { navigate } from '../../lib/navigation.ts';
import { live } from '../../lib/polling.ts';
import { useTRPC } from '../../lib/trpc.ts';
import { ExperimentPanel, type IntervalKind } from './experiment-panel.tsx';
import { HealthPanel } from './health-panel.tsx';
import { ServingPanel } from './serving-panel.tsx';

const WINDOWS = ['15m', '1h', '24h', '7d'] as const;

/** Without a model in the path: pick one (the models come from the overview the models screen reads). */
export function ComparePicker() {
  const trpc = useTRPC();
  const overview = useQuery(trpc.dashboard.overview.queryOptions(undefined, live));
  return (
    <section aria-labelledby="compare-title">
      <h1 id="compare-title">Compare versions</h1>
      <ErrorBanner error={overview.error} />
      <ul>
        {overview.data?.models.map((m) => (
          <li key={m.model}>
            <a
              href={`/ui/compare/${encodeURIComponent(m.model)}`}
              onClick={(event) => {
                event.preventDefault();
                navigate(`/compare/${encodeURIComponent(m.model)}`);
              }}
            >
              {m.model}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * One model's versions side by side: serving numbers, the experiment's lifts against the baseline
 * and the sample's health. One `metrics.compare` query feeds every panel.
 */
export function CompareScreen({ model }: { model: string }) {
  const trpc = useTRPC();
  const [window, setWindow] = useState<(typeof WINDOWS)[number]>('1h');
  const [kind, setKind] = useState<IntervalKind>('sequential');
  const compare = useQuery(trpc.metrics.compare.queryOptions({ model, window }, live));
  const data = compare.data;

  return (
    <section aria-labelledby="compare-title">
      <p>
        <a
          href={`/ui/models/${encodeURIComponent(model)}`}
          onClick={(event) => {
            event.preventDefault();
            navigate(`/models/${encodeURIComponent(model)}`);
          }}
        >
          ← {model}
        </a>
      </p>
      <h1 id="compare-title">Compare {model}</h1>
      <div className="controls">
        <label>
          Window{' '}
          <select value={window} onChange={(event) => setWindow(event.target.value as typeof window)}>
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                last {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          Intervals{' '}
          <select value={kind} onChange={(event) => setKind(event.target.value as IntervalKind)}>
            <option value="sequential">sequential (valid however often you look)</option>
            <option value="fixed">fixed horizon (one look at a planned sample size)</option>
          </select>
        </label>
      </div>
      <ErrorBanner error={compare.error} />
      {!data && !compare.error && <p>Loading…</p>}
      {data && (
        <>
          <p className="muted">
            {data.revision === null
              ? 'No traffic split yet.'
              : `Revision #${data.revision}, baseline ${data.baseline}; ${Math.round((1 - data.alpha) * 100)} % intervals.`}
          </p>
          <ServingPanel data={data} />
          <ExperimentPanel data={data} kind={kind} />
          <HealthPanel data={data} />
        </>
      )}
    </section>
  );
}
