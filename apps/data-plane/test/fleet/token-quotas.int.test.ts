import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../stack.ts';
import { type Fleet, type ReplicaProcess, startFleet, waitForStatus } from './fleet.ts';
import { type PredictOutcome, predict } from './traffic.ts';

// A control plane and two data-plane processes: a token's quota holds across the fleet because each
// replica admits its share (rate and burst divided by the live replicas it counts from heartbeats).
const RATE = 20;
const BURST = 10;

let fleet: Fleet;
let replicas: ReplicaProcess[];

interface CreatedToken {
  id: string;
  token: string;
  rate: { perSecond: number; burst: number } | null;
}

beforeAll(async () => {
  fleet = await startFleet();
  await fleet.register(demo('recs', '1.0.0'));
  await fleet.json(['traffic', 'promote', 'recs@1.0.0']);
  replicas = await Promise.all(['quota-a', 'quota-b'].map((id) => fleet.startReplica({ id })));
  await Promise.all(replicas.map((r) => waitForStatus(`${r.url}/readyz`, 200)));
  // Each replica must count the other before it takes its share.
  for (const r of replicas) {
    await waitFor(async () => /^modelplane_token_quota_replicas 2$/m.test(await metrics(r)), {
      timeoutMs: 10_000,
      message: `${r.id} to count 2 live replicas`,
    });
  }
}, 120_000);

afterAll(async () => {
  await fleet?.close();
});

async function metrics(replica: ReplicaProcess): Promise<string> {
  return (await fetch(`${replica.url}/metrics`)).text();
}

/** Sends requests to both replicas, four at a time each, for `ms`; returns every outcome and the span. */
async function hammer(token: string, ms: number): Promise<{ outcomes: PredictOutcome[]; seconds: number }> {
  const outcomes: PredictOutcome[] = [];
  const started = performance.now();
  await Promise.all(
    replicas.flatMap((replica) =>
      Array.from({ length: 4 }, async () => {
        while (performance.now() - started < ms) outcomes.push(await predict(replica.url, 'recs', { token }));
      }),
    ),
  );
  return { outcomes, seconds: (performance.now() - started) / 1000 };
}

describe('per-token quotas', () => {
  it('keeps the fleet within the rate plus one burst, answering 429 with Retry-After beyond it', async () => {
    const limited = await fleet.json<CreatedToken>([
      'tokens',
      'create',
      'checkout',
      '--role',
      'predict',
      '--rate',
      String(RATE),
      '--burst',
      String(BURST),
    ]);
    expect(limited.rate).toEqual({ perSecond: RATE, burst: BURST });
    const free = await fleet.createPredictToken('batch-jobs');
    // The new token set reaches both replicas.
    for (const r of replicas) {
      await waitFor(async () => (await predict(r.url, 'recs', { token: free.token })).status === 200, {
        timeoutMs: 10_000,
      });
    }

    const { outcomes, seconds } = await hammer(limited.token, 3000);
    const ok = outcomes.filter((o) => o.status === 200).length;
    const refused = outcomes.filter((o) => o.status === 429);
    expect(ok + refused.length).toBe(outcomes.length);
    expect(ok).toBeLessThanOrEqual(RATE * seconds + BURST);
    // Not refusing everything either: at least half the rate got through.
    expect(ok).toBeGreaterThanOrEqual((RATE * seconds) / 2);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(r.body).toMatchObject({
        error: { code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('"checkout"') },
      });
    }
    const counted = await Promise.all(
      replicas.map(async (r) => {
        const line = /^modelplane_token_throttled_total\{token="checkout"\} (\d+)$/m.exec(await metrics(r));
        return Number(line?.[1] ?? 0);
      }),
    );
    expect(counted.reduce((sum, n) => sum + n, 0)).toBe(refused.length);

    // A token without a quota is never throttled.
    const unlimited = await hammer(free.token, 500);
    expect(unlimited.outcomes.every((o) => o.status === 200)).toBe(true);
    expect(unlimited.outcomes.length).toBeGreaterThan(RATE);

    // Raising the quota applies without a restart; removing it lifts the limit.
    await fleet.json(['tokens', 'update', limited.id, '--rate', '100000', '--burst', '100000']);
    await waitFor(async () => (await hammer(limited.token, 300)).outcomes.every((o) => o.status === 200), {
      timeoutMs: 10_000,
      message: 'the raised quota to reach both replicas',
    });
    const removed = await fleet.json<CreatedToken>(['tokens', 'update', limited.id, '--no-rate']);
    expect(removed.rate).toBeNull();
  }, 60_000);

  it('refuses a quota on a token that is not a predict token, and bad flags, with clear errors', async () => {
    const bad = await fleet.cli(['tokens', 'create', 'ops', '--role', 'operator', '--rate', '5']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/rate: only predict tokens carry a rate/);
    const notNumber = await fleet.cli(['tokens', 'create', 'x', '--role', 'predict', '--rate', 'fast']);
    expect(notNumber.stderr).toMatch(/--rate: "fast" is not a positive number/);
    const both = await fleet.cli(['tokens', 'update', 'tok_x']);
    expect(both.stderr).toMatch(/give either --rate R \[--burst N\] or --no-rate/);
  });
});
