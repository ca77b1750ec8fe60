import {
  fleetRollupsByModel,
  listActiveRevisions,
  listAllVersionLabels,
  listLiveHeartbeats,
  listMinuteRollups,
  listModelBadges,
  listModels,
} from '@modelplane/db';
import type { Revision } from '@modelplane/schemas';
import type { Deps } from '../deps.ts';
import { serving } from '../services/monitoring/compare.ts';
import { replicaStatusesOf } from '../services/replicas.ts';
import { toRevision } from '../services/revision-view.ts';
import { minuteSeries, SERIES_WINDOW_MS, type SeriesPoint } from './series.ts';

/** The window the overview's live numbers cover. */
export const OVERVIEW_WINDOW_MS = 5 * 60_000;

/** A version's part in the active split: the baseline, a canary/variant with traffic, or none. */
export type VersionRole = 'baseline' | 'variant' | 'idle' | 'archived';

/** One version's row on the models screen. */
export interface OverviewVersion {
  version: string;
  status: string;
  role: VersionRole;
  /** Basis points in the active revision (0 when it carries no traffic). */
  weight: number;
  /** Over the last {@link OVERVIEW_WINDOW_MS}, every replica merged. */
  requestsPerSecond: number;
  errorRate: number | null;
  p99Ms: number | null;
  /** Per closed minute over the last hour, for the sparklines. */
  series: SeriesPoint[];
}

/** One model's row on the models screen. */
export interface OverviewModel {
  model: string;
  description: string;
  revision: Revision | null;
  versions: OverviewVersion[];
  replicas: { inSync: number; total: number };
  /** Alert rules firing now and rollouts under way (running, waiting for approval or paused). */
  firingAlerts: number;
  activeRollouts: number;
}

/**
 * Every model's split, versions, replica sync and live numbers, for the dashboard's models screen.
 * A fixed number of queries whatever the number of models (models, versions, active revisions,
 * heartbeats, two for the rollups, one for the hour's per-minute rows, one for the badges), so polling it costs the same for 3 models or 300.
 */
export async function fleetOverview(
  deps: Deps,
): Promise<{ windowSeconds: number; seriesSeconds: number; models: OverviewModel[] }> {
  const { db } = deps;
  const [models, versions, revisions, live, rollups, minuteRows, badges] = await Promise.all([
    listModels(db),
    listAllVersionLabels(db),
    listActiveRevisions(db),
    listLiveHeartbeats(db, deps.config.REPLICA_LIVE_WINDOW_MS),
    fleetRollupsByModel(db, OVERVIEW_WINDOW_MS),
    listMinuteRollups(db, SERIES_WINDOW_MS),
    listModelBadges(db),
  ]);
  const windowSeconds = OVERVIEW_WINDOW_MS / 1000;
  const series = minuteSeries(minuteRows);
  return {
    windowSeconds,
    seriesSeconds: SERIES_WINDOW_MS / 1000,
    models: models.map((model) => {
      const own = versions.filter((v) => v.model_id === model.id);
      const active = revisions.find((r) => r.model_id === model.id) ?? null;
      const revision = active ? toRevision(model.name, active, own) : null;
      const replicas = replicaStatusesOf(deps, live, model, active, own);
      const stats = rollups.get(model.name) ?? [];
      const badge = badges.find((b) => b.model === model.name);
      return {
        model: model.name,
        description: model.description,
        revision,
        versions: own.map((v) => {
          const weight = revision?.weights.find((w) => w.version === v.version)?.weight ?? 0;
          const numbers = serving(stats.find((s) => s.version === v.version));
          return {
            version: v.version,
            status: v.status,
            role: roleOf(v.status, v.version, weight, revision),
            weight,
            requestsPerSecond: numbers.requests / windowSeconds,
            errorRate: numbers.errorRate,
            p99Ms: numbers.latencyMs?.p99 ?? null,
            series: series.get(`${model.name}@${v.version}`) ?? [],
          };
        }),
        replicas: {
          inSync: replicas.filter((r) => r.state === 'in-sync').length,
          total: replicas.length,
        },
        firingAlerts: badge?.firingAlerts ?? 0,
        activeRollouts: badge?.activeRollouts ?? 0,
      };
    }),
  };
}

function roleOf(status: string, version: string, weight: number, revision: Revision | null): VersionRole {
  if (status === 'archived') return 'archived';
  if (revision?.baseline === version) return 'baseline';
  return weight > 0 ? 'variant' : 'idle';
}
