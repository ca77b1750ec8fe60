import type { ModelRow, ModelVersionRow, RoutingRevisionRow } from '@modelplane/db';
import {
  BackendSchema,
  ServingOptionsSchema,
  VersionSignatureSchema,
  WarmupRequestSchema,
} from '@modelplane/schemas';
import { compileVersionSchemas } from '../validation/compile.ts';
import type { ActiveRevision, ModelTable, VersionConfig } from './types.ts';
import { checkRevision } from './validate.ts';

/** Why a model's active revision was refused; the replica keeps serving its last good table. */
export interface RevisionRejection {
  model: string;
  generation: number;
  revision: number;
  reason: string;
}

/** A version row that could not be turned into a servable config, and why. */
export interface SkippedVersion {
  ref: string;
  reason: string;
}

/** What loading one model produced: a table ready to apply, or the rejection of its revision. */
export type LoadedModel =
  | { kind: 'table'; table: ModelTable; skipped: SkippedVersion[] }
  | { kind: 'rejected'; rejection: RevisionRejection; skipped: SkippedVersion[] };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Turns a version row into the data plane's config, or explains why it cannot be served. */
export function toVersionConfig(modelName: string, row: ModelVersionRow): VersionConfig | SkippedVersion {
  const ref = `${modelName}@${row.version}`;
  const backendConfig = isObject(row.backend_config) ? row.backend_config : {};
  const backend = BackendSchema.safeParse({ ...backendConfig, kind: row.backend_kind });
  if (!backend.success) return { ref, reason: `invalid backend config: ${backend.error.issues[0]?.message}` };
  const serving = ServingOptionsSchema.safeParse(row.serving_options ?? {});
  if (!serving.success)
    return { ref, reason: `invalid serving options: ${serving.error.issues[0]?.message}` };
  // Serving a version without the warm-up its owner registered would skip the check they asked for.
  const warmup = WarmupRequestSchema.nullable().safeParse(row.warmup ?? null);
  if (!warmup.success) return { ref, reason: `invalid warm-up request: ${warmup.error.issues[0]?.message}` };
  // Only metadata reads the signature; one this replica cannot parse just means loading the version.
  const signature = VersionSignatureSchema.nullable().safeParse(row.signature ?? null);
  const config: VersionConfig = Object.freeze({
    id: row.id,
    model: modelName,
    version: row.version,
    ref,
    backend: backend.data,
    artifact:
      row.artifact_uri && row.artifact_digest ? { uri: row.artifact_uri, sha256: row.artifact_digest } : null,
    inputSchema: isObject(row.input_schema) ? row.input_schema : null,
    outputSchema: isObject(row.output_schema) ? row.output_schema : null,
    servingOptions: serving.data,
    cacheGeneration: Number(row.cache_generation ?? 1),
    signature: signature.success ? signature.data : null,
    warmup: warmup.data,
  });
  // Compiled once per load, never per request; a schema that cannot compile cannot guard the model.
  const schemaProblem = compileVersionSchemas(config);
  return schemaProblem === null ? config : { ref, reason: schemaProblem };
}

/**
 * Builds one model's immutable table from its rows (versions must be its non-archived ones).
 * A revision that fails validation yields a rejection instead of a table: never a partial table.
 */
export function buildModelTable(
  model: ModelRow,
  versionRows: readonly ModelVersionRow[],
  revisionRow: RoutingRevisionRow | null,
): LoadedModel {
  const versions = new Map<string, VersionConfig>();
  const skipped: SkippedVersion[] = [];
  for (const row of versionRows) {
    const config = toVersionConfig(model.name, row);
    if ('id' in config) versions.set(config.id, config);
    else skipped.push(config);
  }
  const generation = Number(model.config_generation);
  let revision: ActiveRevision | null = null;
  if (revisionRow !== null) {
    const checked = checkRevision(
      {
        number: revisionRow.revision,
        salt: revisionRow.salt,
        weights: revisionRow.weights,
        baselineVersionId: revisionRow.baseline_version_id,
        bucketMap: revisionRow.bucket_map,
        createdAt: new Date(revisionRow.created_at).toISOString(),
      },
      versions,
    );
    if (!checked.ok) {
      const rejection = {
        model: model.name,
        generation,
        revision: revisionRow.revision,
        reason: checked.reason,
      };
      return { kind: 'rejected', rejection, skipped };
    }
    revision = checked.revision;
  }
  const table: ModelTable = Object.freeze({
    name: model.name,
    generation,
    cacheGeneration: Number(model.cache_generation),
    cache: { enabled: model.cache_enabled, ttlSeconds: model.cache_ttl_seconds },
    revision,
    versions,
    versionsByLabel: new Map([...versions.values()].map((v) => [v.version, v])),
  });
  return { kind: 'table', table, skipped };
}

/** The versions a table sends traffic to: each must be ready before the table is applied. */
export function weightedVersions(table: ModelTable): VersionConfig[] {
  if (table.revision === null) return [];
  return table.revision.weights.flatMap((w) => {
    const version = table.versions.get(w.versionId);
    return version ? [version] : [];
  });
}
