import type { ModelVersionRow, RoutingRevisionRow } from '@modelplane/db';
import type { Revision, RevisionAction } from '@modelplane/schemas';

type RevisionFields = Omit<RoutingRevisionRow, 'bucket_map'>;

/** The user-facing revision: versions by label, never by internal id alone. */
export function toRevision(
  modelName: string,
  row: RevisionFields,
  versions: readonly Pick<ModelVersionRow, 'id' | 'version'>[],
): Revision {
  const label = (id: string) => versions.find((v) => v.id === id)?.version ?? id;
  return {
    model: modelName,
    revision: row.revision,
    action: row.action as RevisionAction,
    weights: row.weights.map((w) => ({ version: label(w.versionId), weight: w.weight })),
    baseline: label(row.baseline_version_id),
    salt: row.salt,
    derivedFrom: row.derived_from,
    restoresRevision: row.restores_revision,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
