import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@modelplane/db';
import { waitFor } from '@modelplane/testing';
import type { ReplicaProcess } from './fleet.ts';
import { mapLimit, predict, readStoredRouting } from './traffic.ts';

/** Prediction traffic running in the background until stopped. */
export interface BackgroundTraffic {
  /** Responses so far per model, keyed `status version` (e.g. `200 recs@1.0.0`). */
  counts(model: string): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Sends one prediction per model to every replica each `intervalMs`, each with a fresh routing key,
 * so the split between versions is a fair draw at the configured weight (what SRM expects).
 */
export function startBackgroundTraffic(
  replicas: readonly ReplicaProcess[],
  models: readonly string[],
  token: string,
  intervalMs: number,
): BackgroundTraffic {
  const counts = new Map<string, Record<string, number>>();
  let stopped = false;
  const send = async (url: string, model: string) => {
    const outcome = await predict(url, model, { token, routingKey: `t-${randomUUID()}` }).catch(
      (error: unknown) => ({ status: 0, version: String(error) }),
    );
    const tally = counts.get(model) ?? {};
    const key = `${outcome.status} ${outcome.version}`;
    tally[key] = (tally[key] ?? 0) + 1;
    counts.set(model, tally);
  };
  const run = async () => {
    while (!stopped) {
      const started = performance.now();
      await Promise.all(replicas.flatMap((r) => models.map((m) => send(r.url, m))));
      await sleep(Math.max(0, intervalMs - (performance.now() - started)));
    }
  };
  const running = run();
  return {
    counts: (model) => ({ ...counts.get(model) }),
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/**
 * Waits until every replica serves every key of `keys` with the version the model's stored active
 * revision assigns it, and returns that `name@version` per key: what the data planes actually serve.
 */
export async function waitForServedRevision(
  database: Database,
  replicas: readonly ReplicaProcess[],
  model: string,
  keys: readonly string[],
  token: string,
  timeoutMs = 20_000,
): Promise<Map<string, string>> {
  return waitFor(
    async () => {
      const stored = await readStoredRouting(database, model);
      const served = new Map<string, string>();
      for (const replica of replicas) {
        const outcomes = await mapLimit(keys, 8, (routingKey) =>
          predict(replica.url, model, { token, routingKey }),
        );
        for (const [i, key] of keys.entries()) {
          const outcome = outcomes[i];
          if (outcome?.status !== 200 || outcome.version !== stored.versionFor(key)) return null;
          served.set(key, outcome.version);
        }
      }
      return served;
    },
    { timeoutMs, intervalMs: 250, message: `${model}: every replica serving its stored revision` },
  );
}

/** Which control planes won the `rollout-ticks` leader claim, sampled until stopped. */
export interface LeaderSampler {
  readonly seen: ReadonlySet<string>;
  stop(): Promise<void>;
}

export function sampleRolloutLeaders(database: Database, intervalMs = 200): LeaderSampler {
  const seen = new Set<string>();
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      const row = await database.db
        .selectFrom('leader_jobs')
        .select('run_by')
        .where('name', '=', 'rollout-ticks')
        .executeTakeFirst();
      if (row) seen.add(row.run_by);
      await sleep(intervalMs);
    }
  };
  const running = run();
  return {
    seen,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** A rollout's ticks in order, as stored. */
export function rolloutTicks(database: Database, id: string) {
  return database.db
    .selectFrom('rollout_ticks')
    .selectAll()
    .where('rollout_id', '=', id)
    .orderBy('id')
    .execute();
}

/** How many audit rows of `action` the model has. */
export async function auditCount(database: Database, model: string, action: string): Promise<number> {
  const rows = await database.db
    .selectFrom('audit_log')
    .select('id')
    .where('target', '=', model)
    .where('action', '=', action)
    .execute();
  return rows.length;
}
