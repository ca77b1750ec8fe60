import { useQuery } from '@tanstack/react-query';
import { ErrorBanner } from '../components/error-banner.tsx';
import { RoleBadge } from '../components/role-badge.tsx';
import { Sparkline } from '../components/sparkline.tsx';
import { milliseconds, percentOfBp, perSecond, ratePercent } from '../lib/format.ts';
import { navigate } from '../lib/navigation.ts';
import { live } from '../lib/polling.ts';
import { useTRPC } from '../lib/trpc.ts';

/** One row per model: its split, replicas in sync and each version's live numbers. */
export function ModelsScreen() {
  const trpc = useTRPC();
  const overview = useQuery(trpc.dashboard.overview.queryOptions(undefined, live));
  const data = overview.data;
  // The sparklines' x axis: the hour up to the latest poll, the same for every row.
  const to = overview.dataUpdatedAt || Date.now();
  const from = to - (data?.seriesSeconds ?? 3600) * 1000;

  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <ErrorBanner error={overview.error} />
      {!data && !overview.error && <p>Loading…</p>}
      {data && data.models.length === 0 && <p>No models yet: register one with the CLI.</p>}
      {data && data.models.length > 0 && (
        <div className="table-wrap">
          <table className="models">
            <caption>
              Requests, errors and p99 over the last {data.windowSeconds / 60} minutes, every replica merged
              (replicas report each minute once it has closed, so the numbers trail by up to a minute); the
              lines beside them show each minute of the last hour
            </caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Revision</th>
                <th scope="col">Replicas in sync</th>
                <th scope="col">Version</th>
                <th scope="col">Weight</th>
                <th scope="col">Requests/s</th>
                <th scope="col">Errors</th>
                <th scope="col">p99</th>
              </tr>
            </thead>
            {data.models.map((model) => {
              const versions = model.versions.filter((v) => v.status !== 'archived');
              const span = Math.max(versions.length, 1);
              return (
                <tbody key={model.model} data-model={model.model}>
                  {(versions.length > 0 ? versions : [null]).map((version, i) => (
                    <tr key={version?.version ?? 'none'} data-version={version?.version}>
                      {i === 0 && (
                        <>
                          <th scope="rowgroup" rowSpan={span}>
                            <a
                              href={`/ui/models/${encodeURIComponent(model.model)}`}
                              onClick={(event) => {
                                event.preventDefault();
                                navigate(`/models/${encodeURIComponent(model.model)}`);
                              }}
                            >
                              {model.model}
                            </a>
                            <ModelBadges
                              firingAlerts={model.firingAlerts}
                              activeRollouts={model.activeRollouts}
                            />
                            {model.description && <div className="muted">{model.description}</div>}
                          </th>
                          <td rowSpan={span}>
                            {model.revision ? `#${model.revision.revision}` : 'no traffic'}
                          </td>
                          <td
                            rowSpan={span}
                            className={model.replicas.inSync < model.replicas.total ? 'warn' : ''}
                          >
                            {model.replicas.inSync} / {model.replicas.total}
                          </td>
                        </>
                      )}
                      {version ? (
                        <>
                          <td>
                            {version.version} <RoleBadge role={version.role} />
                          </td>
                          <td className="num" data-field="weight">
                            {percentOfBp(version.weight)}
                          </td>
                          <td className="num">
                            <span data-field="rps">{perSecond(version.requestsPerSecond)}</span>
                            <Sparkline
                              label={`${model.model}@${version.version} requests/s, last hour`}
                              points={pointsOf(version.series, (p) => p.requestsPerSecond)}
                              from={from}
                              to={to}
                            />
                          </td>
                          <td className="num">
                            <span data-field="errors">{ratePercent(version.errorRate)}</span>
                            <Sparkline
                              label={`${model.model}@${version.version} error rate, last hour`}
                              points={pointsOf(version.series, (p) => p.errorRate)}
                              from={from}
                              to={to}
                            />
                          </td>
                          <td className="num">
                            <span data-field="p99">{milliseconds(version.p99Ms)}</span>
                            <Sparkline
                              label={`${model.model}@${version.version} p99 latency, last hour`}
                              points={pointsOf(version.series, (p) => p.p99Ms)}
                              from={from}
                              to={to}
                            />
                          </td>
                        </>
                      ) : (
                        <td colSpan={5}>no versions</td>
                      )}
                    </tr>
                  ))}
                </tbody>
              );
            })}
          </table>
        </div>
      )}
    </section>
  );
}

type Point = { minute: string; requestsPerSecond: number; errorRate: number | null; p99Ms: number | null };

function pointsOf(series: readonly Point[], value: (p: Point) => number | null) {
  return series.map((p) => ({ at: Date.parse(p.minute), value: value(p) }));
}

/** Firing alerts and rollouts under way, as badges beside the model's name (nothing when there are none). */
function ModelBadges({ firingAlerts, activeRollouts }: { firingAlerts: number; activeRollouts: number }) {
  if (firingAlerts === 0 && activeRollouts === 0) return null;
  return (
    <div className="model-badges">
      {firingAlerts > 0 && (
        <span className="badge badge-alert" data-testid="badge-alerts">
          {firingAlerts} alert{firingAlerts === 1 ? '' : 's'} firing
        </span>
      )}
      {activeRollouts > 0 && (
        <span className="badge badge-rollout" data-testid="badge-rollouts">
          rollout running
        </span>
      )}
    </div>
  );
}
