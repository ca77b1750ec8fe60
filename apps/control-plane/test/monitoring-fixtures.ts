import { type Executor, insertFeedback, insertPredictionLog, type PredictionLogInput } from '@modelplane/db';
import { sql } from 'kysely';

/** A prediction-log row with the test's defaults: sticky, routed, served by its assigned version. */
export function exposure(
  model: string,
  requestId: string,
  version: string,
  unit: string | null,
  overrides: Partial<PredictionLogInput> = {},
): PredictionLogInput {
  return {
    requestId,
    createdAt: new Date(Date.now() - 60_000),
    model,
    assignedVersion: version,
    servedVersion: version,
    revision: 1,
    routingKeyHash: unit,
    sticky: unit !== null,
    pinned: false,
    inputHash: null,
    latencyMs: 2,
    servedFrom: 'backend',
    status: 200,
    errorCode: null,
    replicaId: 'test',
    payloadJson: null,
    ...overrides,
  };
}

/** Writes exposures, then feedback as `[requestId, outcome, model?]`. */
export async function seedOutcomes(
  db: Executor,
  rows: PredictionLogInput[],
  feedback: Array<[string, boolean | number, string?]>,
): Promise<void> {
  await insertPredictionLog(db, rows);
  await insertFeedback(
    db,
    feedback.map(([requestId, outcome, model], i) => ({
      id: `fb-${requestId}-${i}-${Math.random().toString(36).slice(2)}`,
      requestId,
      model: model ?? null,
      kind: typeof outcome === 'boolean' ? 'conversion' : 'value',
      value: typeof outcome === 'boolean' ? (outcome ? 1 : 0) : outcome,
      // Later entries are newer: a request's latest value wins.
      receivedAt: new Date(Date.now() - 30_000 + i),
      replicaId: 'test',
    })),
  );
}

/** `first` sticky units on version 1 and `second` on version 2 of `model`, revision 1, one request each. */
export async function seedStickyUnits(
  db: Executor,
  model: string,
  first: number,
  second: number,
): Promise<void> {
  await sql`
    INSERT INTO prediction_log (request_id, created_at, model, assigned_version, served_version, revision,
      routing_key_hash, sticky, pinned, latency_ms, status, replica_id)
    SELECT ${model} || '-' || i, now() - interval '1 minute', ${model},
      CASE WHEN i < ${first} THEN '1' ELSE '2' END, CASE WHEN i < ${first} THEN '1' ELSE '2' END, 1,
      'unit-' || i, true, false, 1.0, 200, 'test'
    FROM generate_series(0, ${first + second - 1}) AS i
  `.execute(db);
}
