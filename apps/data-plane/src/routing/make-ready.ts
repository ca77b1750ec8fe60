import type { BackendManager } from '../backends/types.ts';
import { VersionLoadFailedError } from '../backends/version-entry.ts';
import { weightedVersions } from './build-table.ts';
import { errorMessage, type RoutingLogger } from './logger.ts';
import type { ReplicaReport } from './replica-report.ts';
import { withTimeout } from './timers.ts';
import type { LoadFailure, ModelTable } from './types.ts';

/** What {@link makeReady} needs from the routing state. */
export interface MakeReadyDeps {
  backends: BackendManager;
  report: ReplicaReport;
  logger: RoutingLogger;
  /** An ensureReady that takes longer counts as failed (the loop retries it later). */
  timeoutMs: number;
}

/**
 * Make before break: waits until every version the table sends traffic to is loaded and warm.
 * Meanwhile the report lists the versions still loading; the caller ends that with `doneApplying`.
 * Returns true when all are ready; otherwise records each failure as a version error and returns
 * the failures, so the caller keeps serving the previous table for this model and can say why.
 */
export async function makeReady(table: ModelTable, deps: MakeReadyDeps): Promise<true | LoadFailure> {
  const versions = weightedVersions(table);
  const { report } = deps;
  // Reported in heartbeats, so the control plane can tell a replica still loading from one in sync.
  report.applying(
    table.name,
    table.revision?.number ?? null,
    table.generation,
    versions.map((v) => v.ref),
  );
  const results = await Promise.allSettled(
    versions.map((v) =>
      withTimeout(deps.backends.ensureReady(v), deps.timeoutMs, `loading ${v.ref}`).finally(() =>
        report.settled(table.name, table.generation, v.ref),
      ),
    ),
  );
  const failures: Array<{ ref: string; reason: string }> = [];
  results.forEach((result, i) => {
    const version = versions[i];
    if (version === undefined) return;
    if (result.status === 'fulfilled') {
      deps.report.setVersionError(version.ref, null);
      return;
    }
    // A load failure carries a reason safe for any caller; other failures (a timeout) are ours.
    const error =
      result.reason instanceof VersionLoadFailedError ? result.reason.reason : errorMessage(result.reason);
    failures.push({ ref: version.ref, reason: error });
    deps.report.setVersionError(version.ref, error);
    deps.logger.warn(
      { model: table.name, version: version.ref, generation: table.generation, error },
      'version not ready; keeping the previous routing table for this model',
    );
  });
  return failures.length === 0 ? true : { pending: table, failures };
}

/** Every version id a snapshot's tables send traffic to (including baselines). */
export function referencedVersionIds(tables: Iterable<ModelTable>): Set<string> {
  const ids = new Set<string>();
  for (const table of tables) {
    if (table.revision === null) continue;
    for (const w of table.revision.weights) ids.add(w.versionId);
    ids.add(table.revision.baselineVersionId);
  }
  return ids;
}
