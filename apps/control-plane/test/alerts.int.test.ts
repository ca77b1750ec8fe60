import { createDb, type Database, upsertHeartbeat, upsertRollups } from '@modelplane/db';
import { emptyHistogram, latencyBucket } from '@modelplane/stats';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import type { Deps } from '../src/deps.ts';
import { evaluateAlertRules } from '../src/services/monitoring/alert-evaluation.ts';
import { type MonitoringJobs, startMonitoringJobs } from '../src/services/monitoring/jobs.ts';
import { ADMIN_TOKEN, type Harness, seedModel, startControlPlane } from './harness.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

interface Received {
  id: number;
  state: string;
  model: string;
  kind: string;
  message: string;
}

let cp: Harness;
let receiver: WebhookReceiver;
let webhookUrl: string;
const attempts: Received[] = [];
const delivered: Received[] = [];
const extraDatabases: Database[] = [];
const jobs: MonitoringJobs[] = [];
const silent = { info() {}, warn() {}, error() {} };

beforeAll(async () => {
  cp = await startControlPlane();
  // A real receiver: the first attempt at each event fails, so every delivery has to be retried.
  receiver = await startWebhookReceiver((body) => {
    const event = body as Received;
    const first = !attempts.some((a) => a.id === event.id);
    attempts.push(event);
    if (first) return 500;
    delivered.push(event);
    return 204;
  });
  webhookUrl = receiver.url;
});

afterAll(async () => {
  for (const j of jobs) await j.stop();
  for (const database of extraDatabases) await database.close();
  await receiver?.close();
  await cp?.close();
});

/** A second (third, ...) control plane's dependencies: its own pool on the same database. */
async function controlPlaneDeps(): Promise<Deps> {
  const database = await createDb({ kind: 'postgres', connectionString: cp.databaseUrl });
  extraDatabases.push(database);
  const config = parseConfig({
    DATABASE_URL: cp.databaseUrl,
    MODELPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
    ALERT_WEBHOOK_URL: webhookUrl,
    ALERT_EVAL_INTERVAL_MS: '150',
    MONITORING_UPKEEP_INTERVAL_MS: '60000',
  });
  return { config, db: database.db, bus: cp.deps.bus, logger: silent, bootstrapTokenHash: null };
}

async function writeMinute(model: string, requests: number, errors: number) {
  const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const buckets = emptyHistogram();
  buckets[latencyBucket(2)] = requests;
  await cp.deps.db.deleteFrom('prediction_rollups').where('model', '=', model).execute();
  await upsertRollups(cp.deps.db, [
    {
      minute,
      model,
      version: '1',
      replicaId: 'r1',
      requests,
      errors,
      clientErrors: 0,
      cacheHits: 0,
      latencyBuckets: buckets,
    },
  ]);
}

describe('alerts', () => {
  it('fires and resolves once each, posted to the webhook once (after a retry) with two control planes running', async () => {
    await seedModel(cp.admin, 'alerting', ['1']);
    await cp.admin.traffic.promote.mutate({ model: 'alerting', version: '1' });
    await cp.admin.alerts.rules.set.mutate({
      model: 'alerting',
      kind: 'error_rate',
      threshold: 0.1,
      minRequests: 10,
    });
    jobs.push(startMonitoringJobs(await controlPlaneDeps()), startMonitoringJobs(await controlPlaneDeps()));

    await writeMinute('alerting', 100, 40);
    await waitFor(() => delivered.some((e) => e.state === 'firing'), {
      timeoutMs: 15_000,
      message: 'a firing post',
    });
    // Many evaluation ticks later, on both control planes, still one incident and one delivery.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(delivered.filter((e) => e.state === 'firing')).toHaveLength(1);
    expect(attempts.filter((e) => e.state === 'firing')).toHaveLength(2);
    const firing = delivered[0];
    expect(firing).toMatchObject({ model: 'alerting', kind: 'error_rate' });
    expect(firing?.message).toContain('40.00 %');

    const listed = await cp.admin.alerts.list.query({ model: 'alerting' });
    expect(listed.firing.map((r) => r.kind)).toEqual(['error_rate']);

    await writeMinute('alerting', 100, 1);
    await waitFor(() => delivered.some((e) => e.state === 'resolved'), {
      timeoutMs: 15_000,
      message: 'a resolved post',
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(delivered.map((e) => e.state)).toEqual(['firing', 'resolved']);
    const after = await cp.admin.alerts.list.query({ model: 'alerting' });
    expect(after.firing).toEqual([]);
    expect(after.events.map((e) => [e.state, e.delivery, e.attempts])).toEqual([
      ['resolved', 'delivered', 2],
      ['firing', 'delivered', 2],
    ]);
    // Stopped here so the next tests' direct evaluations have the rules to themselves.
    for (const j of jobs.splice(0)) await j.stop();
  }, 60_000);

  it('fires while a live replica lags the active revision, and resolves when that replica leaves the fleet', async () => {
    await seedModel(cp.admin, 'fleet', ['1']);
    await cp.admin.traffic.promote.mutate({ model: 'fleet', version: '1' });
    await cp.admin.alerts.rules.set.mutate({ model: 'fleet', kind: 'replica_stale', threshold: 0.001 });
    await upsertHeartbeat(cp.deps.db, {
      replicaId: 'laggard',
      hostname: 'h',
      startedAt: new Date(),
      applied: {},
      versionErrors: {},
      lastError: null,
    });
    const evaluate = () => cp.deps.db.transaction().execute((tx) => evaluateAlertRules(tx, cp.deps.config));
    const fired = await evaluate();
    expect(fired.filter((e) => e.model === 'fleet').map((e) => [e.state, e.message])).toEqual([
      ['firing', expect.stringContaining('laggard')],
    ]);
    expect((await evaluate()).filter((e) => e.model === 'fleet')).toEqual([]);
    // The replica stops heartbeating: outside the live window it no longer counts.
    await cp.deps.db
      .updateTable('replica_heartbeats')
      .set({ last_seen_at: new Date(Date.now() - 3_600_000) })
      .where('replica_id', '=', 'laggard')
      .execute();
    const resolved = await evaluate();
    expect(resolved.filter((e) => e.model === 'fleet').map((e) => e.state)).toEqual(['resolved']);
  });

  it('validates rules and audits their changes', async () => {
    await seedModel(cp.admin, 'ruled', ['1']);
    await expect(
      cp.admin.alerts.rules.set.mutate({ model: 'ruled', kind: 'error_rate', threshold: 5 }),
    ).rejects.toThrow(/fraction/);
    await expect(cp.admin.alerts.rules.set.mutate({ model: 'ruled', kind: 'p99_latency' })).rejects.toThrow(
      /threshold/,
    );
    const rule = await cp.admin.alerts.rules.set.mutate({
      model: 'ruled',
      kind: 'p99_latency',
      threshold: 25,
    });
    expect(rule).toMatchObject({
      model: 'ruled',
      kind: 'p99_latency',
      threshold: 25,
      windowMinutes: 5,
      minRequests: 100,
      state: 'ok',
    });
    await cp.admin.alerts.rules.delete.mutate({ model: 'ruled', kind: 'p99_latency' });
    await expect(
      cp.admin.alerts.rules.delete.mutate({ model: 'ruled', kind: 'p99_latency' }),
    ).rejects.toThrow(/no p99_latency/);
    const audit = await cp.admin.audit.list.query({ target: 'ruled' });
    expect(audit.map((a) => a.action).slice(0, 2)).toEqual(['alerts.rules.delete', 'alerts.rules.set']);
  });
});
