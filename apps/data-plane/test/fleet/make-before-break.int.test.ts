import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../stack.ts';
import { type Fleet, type ReplicaProcess, startFleet, waitForStatus } from './fleet.ts';
import { type SlowArtifactServer, startSlowArtifactServer } from './slow-artifact-server.ts';
import { type PredictOutcome, predict } from './traffic.ts';

// The new version's artifact takes this long to download; the old one keeps serving meanwhile.
const DOWNLOAD_DELAY_MS = 2500;
const recs2 = demo('recs', '2.0.0');

let fleet: Fleet;
let slow: SlowArtifactServer;
let replica: ReplicaProcess;
let token: string;

beforeAll(async () => {
  fleet = await startFleet();
  slow = await startSlowArtifactServer(recs2.file, DOWNLOAD_DELAY_MS);
  await fleet.register(demo('recs', '1.0.0'));
  await fleet.register(recs2, { source: ['--artifact-uri', slow.url, '--sha256', recs2.sha256] });
  await fleet.json(['traffic', 'promote', 'recs@1.0.0']);
  token = (await fleet.createPredictToken('mbb-predict')).token;
  replica = await fleet.startReplica({ id: 'mbb' });
  await waitForStatus(`${replica.url}/readyz`, 200);
}, 120_000);

afterAll(async () => {
  await fleet?.close();
  await slow?.close();
});

/** Keeps `workers` requests in flight until `stop()`; every outcome is kept. */
function loadLoop(workers: number) {
  const outcomes: PredictOutcome[] = [];
  const errors: string[] = [];
  let running = true;
  let n = 0;
  const worker = async () => {
    while (running) {
      const routingKey = `user-${n++}`;
      try {
        outcomes.push(await predict(replica.url, 'recs', { token, routingKey, timeoutMs: 5000 }));
      } catch (error) {
        // A timeout or a reset is a failure the client would see, just like a 5xx.
        errors.push(`${routingKey}: ${String(error)}`);
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, worker));
  return {
    outcomes,
    errors,
    async stop() {
      running = false;
      await done;
    },
  };
}

describe('a canary whose artifact downloads slowly, under load', () => {
  it('never fails a request and never serves the new version before it is downloaded and warm', async () => {
    const load = loadLoop(4);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const canaryAt = performance.now();
    await fleet.json(['traffic', 'canary', 'recs@2.0.0', '--percent', '50']);
    const deadline = canaryAt + DOWNLOAD_DELAY_MS + 15_000;
    // Until the new version has answered for a while, or long past when it should have.
    const firstNew = () => load.outcomes.find((o) => o.version === 'recs@2.0.0');
    while (performance.now() < deadline) {
      const first = firstNew();
      if (first && performance.now() - first.at > 1000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await load.stop();

    const { outcomes, errors } = load;
    expect(errors).toEqual([]);
    expect(outcomes.filter((o) => o.status !== 200).map((o) => [o.status, o.body])).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(200);
    expect(new Set(outcomes.map((o) => o.version))).toEqual(new Set(['recs@1.0.0', 'recs@2.0.0']));

    // One download, really slow, and nothing from 2.0.0 before its last byte left the server.
    expect(slow.started).toHaveLength(1);
    expect(slow.finished).toHaveLength(1);
    const downloaded = slow.finished[0] as number;
    expect(downloaded - canaryAt).toBeGreaterThanOrEqual(DOWNLOAD_DELAY_MS);
    const early = outcomes.filter((o) => o.version === 'recs@2.0.0' && o.at <= downloaded);
    expect(early).toEqual([]);
    expect(outcomes.filter((o) => o.at > canaryAt && o.at < downloaded).length).toBeGreaterThan(20);
    // Requests were never parked behind the load: none waited anywhere near the download.
    expect(Math.max(...outcomes.map((o) => o.latencyMs))).toBeLessThan(DOWNLOAD_DELAY_MS / 2);
  });
});
