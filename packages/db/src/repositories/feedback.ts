import type { Executor } from './executor.ts';

/** One accepted outcome, as the data plane writes it. */
export interface FeedbackInput {
  id: string;
  requestId: string;
  model: string | null;
  kind: 'conversion' | 'value';
  /** 1 or 0 for a conversion. */
  value: number;
  receivedAt: Date;
  replicaId: string;
}

/** Writes a batch; ids are minted on acceptance, so a retried batch never inserts a row twice. */
export async function insertFeedback(db: Executor, rows: readonly FeedbackInput[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('prediction_feedback')
    .values(
      rows.map((row) => ({
        id: row.id,
        request_id: row.requestId,
        model: row.model,
        kind: row.kind,
        value: row.value,
        received_at: row.receivedAt,
        replica_id: row.replicaId,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
