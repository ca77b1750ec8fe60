import type { ModelVersionRow } from '../types.ts';
import { type Executor, json } from './executor.ts';

export interface NewVersion {
  id: string;
  modelId: string;
  version: string;
  backendKind: string;
  backendConfig: Record<string, unknown>;
  artifactUri: string | null;
  artifactDigest: string | null;
  inputSchema: unknown;
  outputSchema: unknown;
  servingOptions: Record<string, unknown>;
  metrics: Record<string, number>;
  description: string;
  createdBy: string;
  /** Read from the artifact at registration; null when it was not (remote backends, other URIs). */
  signature: unknown;
  warmup: unknown;
}

export async function insertVersion(db: Executor, v: NewVersion): Promise<ModelVersionRow> {
  return db
    .insertInto('model_versions')
    .values({
      id: v.id,
      model_id: v.modelId,
      version: v.version,
      backend_kind: v.backendKind,
      backend_config: json(v.backendConfig),
      artifact_uri: v.artifactUri,
      artifact_digest: v.artifactDigest,
      input_schema: v.inputSchema === undefined ? null : json(v.inputSchema),
      output_schema: v.outputSchema === undefined ? null : json(v.outputSchema),
      serving_options: json(v.servingOptions),
      metrics: json(v.metrics),
      description: v.description,
      created_by: v.createdBy,
      signature: v.signature === null || v.signature === undefined ? null : json(v.signature),
      warmup: v.warmup === null || v.warmup === undefined ? null : json(v.warmup),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findVersion(
  db: Executor,
  modelId: string,
  version: string,
): Promise<ModelVersionRow | undefined> {
  return db
    .selectFrom('model_versions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function listVersions(db: Executor, modelId: string): Promise<ModelVersionRow[]> {
  return db
    .selectFrom('model_versions')
    .selectAll()
    .where('model_id', '=', modelId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function setVersionStatus(db: Executor, id: string, status: string): Promise<void> {
  await db.updateTable('model_versions').set({ status }).where('id', '=', id).execute();
}

export async function setServingOptions(
  db: Executor,
  id: string,
  servingOptions: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('model_versions')
    .set({ serving_options: json(servingOptions) })
    .where('id', '=', id)
    .execute();
}
