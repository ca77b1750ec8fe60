import type { DB, Executor } from '@modelplane/db';
import { insertAudit, readRoutingRows, routingRowsToJson } from '@modelplane/db';
import { type BusMessage, ConflictError } from '@modelplane/schemas';
import type { Transaction } from 'kysely';
import type { Principal } from '../auth.ts';
import type { Deps } from '../deps.ts';

export interface MutationContext {
  /** Use only this handle inside the mutation: with PGlite's single connection anything else deadlocks. */
  tx: Transaction<DB>;
  principal: Principal;
  /** Records the mutation's one audit row (in the same transaction). */
  audit(entry: { action: string; target: string; before?: unknown; after?: unknown }): Promise<void>;
  /** Queues a bus message that is published after commit, and only then. */
  publishAfterCommit(message: BusMessage): void;
}

/**
 * Runs a registry mutation in one transaction with exactly one audit row, then publishes
 * its bus messages after commit. A model's message carries its routing rows as this transaction
 * commits them, so replicas apply the change without each reading Postgres. A failed mutation
 * writes nothing and publishes nothing.
 */
export async function runMutation<T>(
  deps: Deps,
  principal: Principal,
  fn: (ctx: MutationContext) => Promise<T>,
): Promise<T> {
  const outbox: BusMessage[] = [];
  let audited = 0;
  const result = await deps.db
    .transaction()
    .execute(async (tx) => {
      const value = await fn({
        tx,
        principal,
        audit: async (entry) => {
          audited += 1;
          await insertAudit(tx as Executor, {
            actor: principal.actor,
            actorRole: principal.role,
            action: entry.action,
            target: entry.target,
            before: entry.before ?? null,
            after: entry.after ?? null,
            requestId: principal.origin?.requestId ?? null,
            sourceAddress: principal.origin?.sourceAddress ?? null,
          });
        },
        publishAfterCommit: (message) => outbox.push(message),
      });
      if (audited !== 1) throw new Error(`mutation wrote ${audited} audit rows, expected exactly 1`);
      // Read inside the transaction, so the rows are exactly what the commit makes current.
      for (const message of outbox) {
        if (message.kind !== 'model') continue;
        const rows = routingRowsToJson(await readRoutingRows(tx as Executor, message.model));
        // Too big to send to every subscriber at once: the generation alone makes replicas read Postgres.
        const bytes = Buffer.byteLength(JSON.stringify(rows));
        if (bytes <= deps.config.CHANGE_MESSAGE_MAX_BYTES) message.rows = rows;
        else deps.logger.info({ model: message.model, bytes }, 'change message sent without routing rows');
      }
      return value;
    })
    .catch(translateDatabaseError);
  for (const message of outbox) {
    // The data planes' reconcile loop catches up if this is lost, so a failed publish is not a failed call.
    await deps.bus.publish(message).catch((err: unknown) => {
      deps.logger.warn({ err, message }, 'publish after commit failed; replicas will reconcile');
    });
  }
  return result;
}

function translateDatabaseError(error: unknown): never {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '23505') throw new ConflictError('that name is already taken');
  throw error;
}
