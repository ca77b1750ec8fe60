import { type Executor, findRevision, type ModelVersionRow, stickyUnitsByRevision } from '@modelplane/db';
import { sampleRatioMismatch } from '@modelplane/stats';

/** The sample-ratio check of one routing revision: unique sticky units per arm against its weights. */
export interface RevisionSrm {
  revision: number;
  arms: Array<{ version: string; weight: number; units: number; expected: number }>;
  chiSquare: number;
  pValue: number;
  /** p < 0.001 (or `threshold`): the split is broken and comparisons on it are suspect. */
  flagged: boolean;
  /** The fewest units any weighted arm has. */
  minArmUnits: number;
}

/**
 * SRM for each revision seen in the window (or for one revision since `since`). Units are distinct
 * routing keys: a key routed many times is still one unit, as the split assigns units, not requests.
 */
export async function revisionSrm(
  db: Executor,
  model: { id: string; name: string },
  versions: ModelVersionRow[],
  scope: { windowMs: number } | { revision: number; since: Date },
  threshold?: number,
): Promise<RevisionSrm[]> {
  const counts =
    'revision' in scope
      ? await stickyUnitsByRevision(db, model.name, scope.since, scope.revision)
      : await stickyUnitsByRevision(db, model.name, { windowMs: scope.windowMs });
  const byRevision = new Map<number, Map<string, number>>();
  for (const row of counts) {
    let arms = byRevision.get(row.revision);
    if (!arms) {
      arms = new Map();
      byRevision.set(row.revision, arms);
    }
    arms.set(row.version, row.units);
  }
  const label = (id: string) => versions.find((v) => v.id === id)?.version ?? id;
  const results: RevisionSrm[] = [];
  for (const [number, observed] of byRevision) {
    const revision = await findRevision(db, model.id, number);
    if (!revision) continue;
    const arms = revision.weights.map((w) => ({ version: label(w.versionId), weight: w.weight }));
    // Units on a version the revision never weighted are a mismatch in themselves: weight 0.
    for (const version of observed.keys()) {
      if (!arms.some((a) => a.version === version)) arms.push({ version, weight: 0 });
    }
    const units = arms.map((a) => observed.get(a.version) ?? 0);
    const srm = sampleRatioMismatch(
      units,
      arms.map((a) => a.weight),
      threshold,
    );
    const weighted = arms.map((a, i) => (a.weight > 0 ? (units[i] ?? 0) : Number.POSITIVE_INFINITY));
    results.push({
      revision: number,
      arms: arms.map((a, i) => ({ ...a, units: units[i] ?? 0, expected: srm.expected[i] ?? 0 })),
      chiSquare: srm.chiSquare,
      pValue: srm.pValue,
      flagged: srm.flagged,
      minArmUnits: Math.min(...weighted),
    });
  }
  return results.sort((a, b) => a.revision - b.revision);
}
