import type { Database } from '@modelplane/db';
import { generateRecsData, rowToInstance } from '@modelplane/demo-models';
import { decodeBucketMap, route } from '@modelplane/router';
import { demo } from '../stack.ts';

const recs = demo('recs', '1.0.0');
/** One realistic recs instance; every recs version shares the input contract. */
export const RECS_INSTANCE = rowToInstance(
  recs.featureOrder ?? [],
  generateRecsData({ seed: 7, rows: 1 }).rows[0] ?? [],
);

/** What one prediction call came back with. */
export interface PredictOutcome {
  status: number;
  /** `x-model-version`, e.g. `recs@1.0.0` (null when absent). */
  version: string | null;
  /** `retry-after`, on 503s and 429s. */
  retryAfter: string | null;
  body: unknown;
  /** `performance.now()` when the response had fully arrived. */
  at: number;
  latencyMs: number;
}

/** Options for {@link predict}. */
export interface PredictOptions {
  token: string;
  routingKey?: string;
  /** `x-model-version` pin: `2.0.0` or `recs@2.0.0`. */
  pin?: string;
  timeoutMs?: number;
}

/** `POST /v1/models/<model>:predict` with one recs instance; never throws for an HTTP status. */
export async function predict(url: string, model: string, options: PredictOptions): Promise<PredictOutcome> {
  const started = performance.now();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${options.token}`,
  };
  if (options.routingKey !== undefined) headers['x-routing-key'] = options.routingKey;
  if (options.pin !== undefined) headers['x-model-version'] = options.pin;
  const response = await fetch(`${url}/v1/models/${model}:predict`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ instances: [RECS_INSTANCE] }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  const at = performance.now();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Kept as text: a non-JSON body is itself worth seeing in a failure message.
  }
  return {
    status: response.status,
    version: response.headers.get('x-model-version'),
    retryAfter: response.headers.get('retry-after'),
    body,
    at,
    latencyMs: at - started,
  };
}

/** The active revision of a model as stored, and the `name@version` it assigns to a routing key. */
export interface StoredRouting {
  revision: number;
  versionFor(routingKey: string): string;
}

/**
 * Reads the model's active revision straight from Postgres (weights in bucket-map order, salt,
 * bucket map), so expectations come from what the control plane stored, not from a replica.
 */
export async function readStoredRouting(database: Database, model: string): Promise<StoredRouting> {
  const row = await database.db
    .selectFrom('models')
    .innerJoin('routing_revisions', (join) =>
      join
        .onRef('routing_revisions.model_id', '=', 'models.id')
        .onRef('routing_revisions.revision', '=', 'models.active_revision'),
    )
    .select([
      'models.id as modelId',
      'routing_revisions.revision',
      'routing_revisions.weights',
      'routing_revisions.salt',
      'routing_revisions.bucket_map',
    ])
    .where('models.name', '=', model)
    .executeTakeFirstOrThrow();
  const versions = await database.db
    .selectFrom('model_versions')
    .select(['id', 'version'])
    .where('model_id', '=', row.modelId)
    .execute();
  const labelOf = new Map(versions.map((v) => [v.id, v.version]));
  const weights = row.weights as unknown as { versionId: string }[];
  const map = decodeBucketMap(
    weights.map((w) => w.versionId),
    row.bucket_map,
  );
  return {
    revision: row.revision,
    versionFor: (key) => `${model}@${labelOf.get(route(map, row.salt, key))}`,
  };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
