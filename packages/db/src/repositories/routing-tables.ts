import { sql } from 'kysely';
import type { ModelRow, ModelVersionRow, RoutingRevisionRow } from '../types.ts';
import type { Executor } from './executor.ts';

/** The rows routing tables are built from, read in one consistent snapshot of the database. */
export interface RoutingRows {
  models: ModelRow[];
  /** Non-archived versions of those models: archived versions may not be served or routed to. */
  versions: ModelVersionRow[];
  /** The active revision of each model that has one. */
  revisions: RoutingRevisionRow[];
}

/** Every model's config generation and the token-set generation, as of one moment. */
export interface ConfigGenerations {
  models: Record<string, number>;
  tokenGeneration: number;
}

/** A predict token's fleet-wide quota, keyed by its hash; the name labels its metrics. */
export interface TokenQuotaRow {
  hash: string;
  name: string;
  ratePerSecond: number;
  burst: number;
}

/** The hashes of live `predict` tokens, the quotas of those that have one, and their generation. */
export interface PredictTokenState {
  hashes: string[];
  quotas: TokenQuotaRow[];
  generation: number;
}

/**
 * Reads the routing rows of one model (by name) or of every model in a single statement: one round
 * trip, and one statement sees one snapshot of the database, so a revision never arrives without
 * the versions it names. Every replica runs this on every change (and on reconcile), so round trips
 * are what propagation time is made of. The rows travel as JSON and are turned back into the types
 * the driver returns for the tables (dates, bytes).
 */
export async function readRoutingRows(db: Executor, modelName?: string): Promise<RoutingRows> {
  const name = modelName ?? null;
  const { rows } = await sql<{ models: unknown[]; versions: unknown[]; revisions: unknown[] }>`
    WITH m AS (SELECT * FROM models WHERE ${name}::text IS NULL OR name = ${name}::text)
    SELECT
      (SELECT coalesce(json_agg(m ORDER BY m.name), '[]'::json) FROM m) AS models,
      (SELECT coalesce(json_agg(v ORDER BY v.created_at, v.id), '[]'::json)
         FROM model_versions v JOIN m ON m.id = v.model_id
        WHERE v.status <> 'archived') AS versions,
      (SELECT coalesce(json_agg(r), '[]'::json)
         FROM routing_revisions r JOIN m ON m.id = r.model_id AND m.active_revision = r.revision) AS revisions
  `.execute(db);
  const row = rows[0];
  return routingRowsFromJson({
    models: (row?.models ?? []) as JsonRow[],
    versions: (row?.versions ?? []) as JsonRow[],
    revisions: (row?.revisions ?? []) as JsonRow[],
  });
}

type JsonRow = Record<string, unknown>;

/**
 * Routing rows as plain JSON, the way Postgres renders them (`json_agg`): timestamps as ISO text,
 * the bucket map as `\x` and hex. The control plane sends a changed model's rows in this form with
 * its change message, so replicas apply the change without reading Postgres themselves.
 */
export interface RoutingRowsJson {
  models: JsonRow[];
  versions: JsonRow[];
  revisions: JsonRow[];
}

export function routingRowsToJson(rows: RoutingRows): RoutingRowsJson {
  const toJson = (row: object): JsonRow => {
    const out: JsonRow = {};
    for (const [key, value] of Object.entries(row)) {
      if (value instanceof Date) out[key] = value.toISOString();
      else if (value instanceof Uint8Array) out[key] = `\\x${Buffer.from(value).toString('hex')}`;
      else out[key] = value;
    }
    return out;
  };
  return {
    models: rows.models.map(toJson),
    versions: rows.versions.map(toJson),
    revisions: rows.revisions.map(toJson),
  };
}

/** The rows back with the types the driver returns (dates, bytes); throws on a malformed bucket map. */
export function routingRowsFromJson(json: RoutingRowsJson): RoutingRows {
  return {
    models: json.models.map((m) => withDates(m, ['created_at', 'updated_at']) as unknown as ModelRow),
    versions: json.versions.map((v) => withDates(v, ['created_at']) as unknown as ModelVersionRow),
    revisions: json.revisions.map((r) => {
      const revision = withDates(r, ['created_at']);
      revision.bucket_map = fromByteaJson(revision.bucket_map);
      return revision as unknown as RoutingRevisionRow;
    }),
  };
}

function withDates(row: JsonRow, columns: readonly string[]): JsonRow {
  const out = { ...row };
  for (const column of columns) {
    if (typeof out[column] === 'string') out[column] = new Date(out[column] as string);
  }
  return out;
}

const BYTEA_HEX = /^\\x(?:[0-9a-fA-F]{2})*$/;

/** JSON renders bytea as `\x` followed by hex digits. */
function fromByteaJson(value: unknown): Uint8Array {
  if (typeof value !== 'string' || !BYTEA_HEX.test(value)) {
    throw new Error('bucket_map: expected bytea as \\x and hex digits');
  }
  return Uint8Array.from(Buffer.from(value.slice(2), 'hex'));
}

/**
 * One cheap query for the data plane's reconcile loop: every model's config generation and the
 * token generation. A model missing from the result has been removed.
 */
export async function readConfigGenerations(db: Executor): Promise<ConfigGenerations> {
  const { rows } = await sql<{ models: Record<string, number> | null; token_generation: number }>`
    SELECT (SELECT json_object_agg(name, config_generation) FROM models) AS models,
           (SELECT generation FROM token_state) AS token_generation`.execute(db);
  const row = rows[0];
  return { models: row?.models ?? {}, tokenGeneration: Number(row?.token_generation ?? 0) };
}

/** Live `predict` token hashes with their generation, read in one statement so the two agree. */
export async function readPredictTokenState(db: Executor): Promise<PredictTokenState> {
  const { rows } = await sql<{ generation: number; hashes: string[]; quotas: TokenQuotaRow[] | null }>`
    SELECT generation,
           ARRAY(SELECT token_hash FROM api_tokens
                 WHERE role = 'predict' AND revoked_at IS NULL ORDER BY token_hash) AS hashes,
           (SELECT json_agg(json_build_object('hash', token_hash, 'name', name,
                   'ratePerSecond', rate_per_second, 'burst', burst) ORDER BY token_hash)
              FROM api_tokens
             WHERE role = 'predict' AND revoked_at IS NULL AND rate_per_second IS NOT NULL) AS quotas
    FROM token_state`.execute(db);
  const row = rows[0];
  return {
    hashes: row?.hashes ?? [],
    quotas: row?.quotas ?? [],
    generation: Number(row?.generation ?? 0),
  };
}
