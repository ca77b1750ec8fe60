import type { AuditRow } from '../types.ts';
import { type Executor, json } from './executor.ts';

export interface AuditEntryInput {
  actor: string;
  actorRole: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  /** Absent for changes made inside the server (no HTTP request). */
  requestId?: string | null;
  sourceAddress?: string | null;
}

/** Called inside the mutation's own transaction, so a failed mutation leaves no audit row. */
export async function insertAudit(db: Executor, entry: AuditEntryInput): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      actor_role: entry.actorRole,
      action: entry.action,
      target: entry.target,
      before: entry.before === undefined ? null : json(entry.before),
      after: entry.after === undefined ? null : json(entry.after),
      request_id: entry.requestId ?? null,
      source_address: entry.sourceAddress ?? null,
    })
    .execute();
}

export async function listAudit(
  db: Executor,
  filter: { target?: string; limit: number; beforeId?: number },
): Promise<AuditRow[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.target) query = query.where('target', '=', filter.target);
  if (filter.beforeId) query = query.where('id', '<', filter.beforeId);
  return query.execute();
}
