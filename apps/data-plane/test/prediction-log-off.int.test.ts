import { generateRecsData, rowToInstance } from '@modelplane/demo-models';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, registerDemo, type Stack, startStack } from './stack.ts';
import { startComposedReplica } from './telemetry-replica.ts';

// A replica started with the prediction log switched off (PREDICTION_LOG=off), beside the real
// control plane: what it keeps (metrics, rollups) and what it must not write (log rows).

let stack: Stack;
let token: string;

const recs1 = demo('recs', '1.0.0');
const recs2 = demo('recs', '2.0.0');
const instance = rowToInstance(
  recs1.featureOrder ?? [],
  generateRecsData({ seed: 5, rows: 1 }).rows[0] ?? [],
);

beforeAll(async () => {
  stack = await startStack();
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'recs' });
  await registerDemo(admin, recs1);
  await registerDemo(admin, recs2);
  await admin.traffic.set.mutate({
    model: 'recs',
    weights: [
      { version: '1.0.0', weight: 5000 },
      { version: '2.0.0', weight: 5000 },
    ],
  });
  token = (await admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
}

async function logRows(ids: string[]) {
  return stack.database.db.selectFrom('prediction_log').selectAll().where('request_id', 'in', ids).execute();
}

describe('PREDICTION_LOG=off', () => {
  it('serves and keeps its metrics and rollups, but writes no prediction-log rows', async () => {
    const quiet = await startComposedReplica(stack.databaseUrl, stack.prefix, 'tel-off', {
      predictionLog: { enabled: false, flushIntervalMs: 100 },
      rollupFlushIntervalMs: 100,
    });
    try {
      await waitFor(async () => (await fetch(`${quiet.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await post(quiet.url, '/v1/models/recs:predict', { instances: [instance] });
        expect(res.status).toBe(200);
        ids.push(res.headers.get('x-request-id') ?? '');
      }
      const metrics = await (await fetch(`${quiet.url}/metrics`)).text();
      // The model splits 50/50, so the three predictions may be spread over both versions' series.
      const served = metrics
        .split('\n')
        .filter((line) => /^modelplane_predictions_total\{model="recs",[^}]*outcome="success"/.test(line))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
      expect(served).toBe(3);
      // Rollups are written when a minute closes; the replica still keeps them in memory meanwhile.
      await quiet.dataPlane.telemetry.rollups?.flush(true);
      const rollups = await stack.database.db
        .selectFrom('prediction_rollups')
        .select((eb) => eb.fn.sum<number>('requests').as('requests'))
        .where('replica_id', '=', 'tel-off')
        .executeTakeFirst();
      expect(Number(rollups?.requests)).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await logRows(ids)).toEqual([]);
      expect(quiet.dataPlane.telemetry.predictionLog).toBeNull();
    } finally {
      await quiet.close();
    }
  });
});
