import { sql } from 'kysely';
import type { Executor } from './executor.ts';

/** A model's payload-logging setting, by model name. */
export interface PayloadLoggingSetting {
  model: string;
  enabled: boolean;
  sampleRate: number;
  updatedBy: string;
  updatedAt: Date;
}

export async function setPayloadLogging(
  db: Executor,
  setting: { modelId: string; enabled: boolean; sampleRate: number; updatedBy: string },
): Promise<void> {
  const values = {
    enabled: setting.enabled,
    sample_rate: setting.sampleRate,
    updated_by: setting.updatedBy,
    updated_at: sql<Date>`now()`,
  };
  await db
    .insertInto('payload_logging')
    .values({ model_id: setting.modelId, ...values })
    .onConflict((oc) => oc.column('model_id').doUpdateSet(values))
    .execute();
}

/** Every model's setting (of one model, if named). */
export async function listPayloadLogging(db: Executor, model?: string): Promise<PayloadLoggingSetting[]> {
  let query = db
    .selectFrom('payload_logging')
    .innerJoin('models', 'models.id', 'payload_logging.model_id')
    .select([
      'models.name as model',
      'payload_logging.enabled',
      'payload_logging.sample_rate',
      'payload_logging.updated_by',
      'payload_logging.updated_at',
    ])
    .orderBy('models.name');
  if (model !== undefined) query = query.where('models.name', '=', model);
  const rows = await query.execute();
  return rows.map((row) => ({
    model: row.model,
    enabled: row.enabled,
    sampleRate: row.sample_rate,
    updatedBy: row.updated_by,
    updatedAt: new Date(row.updated_at),
  }));
}
