import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTfServingServer, stopAllProcesses, type TfServingServer, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, registerFile, tfServingModel } from '../serving-stack.ts';
import { demo, type Stack, startStack } from '../stack.ts';
import { loadInWorker } from './load-worker.ts';
import { bundleDataPlane, startReplicaProcess } from './replica-process.ts';

// Overload against real processes: per-version admission bounds, and the event-loop lag guard.

let stack: Stack;
let backend: TfServingServer;
let bundle: Awaited<ReturnType<typeof bundleDataPlane>>;
let dataDir: string;
const conversion = demo('conversion', '1.0.0');

beforeAll(async () => {
  stack = await startStack();
  bundle = await bundleDataPlane();
  dataDir = await mkdtemp(join(tmpdir(), 'mp-overload-'));
  backend = await startTfServingServer([await tfServingModel(conversion, 'conv')]);
  // Capacity is set by the bounds over a slow backend (2 in flight x 500 ms = 4 rps), not by this
  // machine's CPU, so ten times it stays cheap to offer even on a busy machine.
  backend.delayMs = 500;
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'bounded' });
  await admin.versions.register.mutate({
    model: 'bounded',
    version: '1',
    backend: { kind: 'tfserving', url: backend.url, remoteName: 'conv' },
    servingOptions: { maxInFlight: 2, maxQueue: 4, queueTimeoutMs: 600 },
  });
  await admin.traffic.set.mutate({ model: 'bounded', weights: [{ version: '1', weight: 10000 }] });
  await admin.models.create.mutate({ name: 'light' });
  await registerFile(stack, 'light', '1', conversion);
  await admin.traffic.set.mutate({ model: 'light', weights: [{ version: '1', weight: 10000 }] });
}, 60_000);

afterAll(async () => {
  await stopAllProcesses();
  await backend?.close();
  await bundle?.remove();
  await stack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const row = { instances: [[120, 10, 1, 30, 12, 1]] };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

describe('overload', () => {
  it('10x the load it can serve: keeps serving, refuses the rest fast, bounded memory, no crash', async () => {
    const replica = await startReplicaProcess(bundle.path, stack, join(dataDir, 'bounded'), {
      SHUTDOWN_DRAIN_MS: '0',
    });
    await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
    const url = `${replica.url}/v1/models/bounded:predict`;
    // Capacity: as many clients as the version may run at once.
    const baseline = await loadInWorker(url, row, 3000, { clients: 2, pauseMs: 0 });
    const capacity = baseline.filter((r) => r.status === 200).length / 3;
    const baselineP99 = percentile(
      baseline.map((r) => r.ms),
      99,
    );
    const rssBefore = await replica.rss();

    const overload = await loadInWorker(url, row, 3000, { rate: Math.ceil(10 * capacity) });
    const ok = overload.filter((r) => r.status === 200);
    const refused = overload.filter((r) => r.status === 429 || r.status === 503);
    const full = overload.filter((r) => r.status === 429);
    const goodput = ok.length / 3;
    const rssAfter = await replica.rss();
    console.log(
      `capacity ${capacity.toFixed(0)} rps (p99 ${baselineP99.toFixed(0)} ms); under ${overload.length} requests ` +
        `in 3 s: goodput ${goodput.toFixed(0)} rps, accepted p99 ${percentile(
          ok.map((r) => r.ms),
          99,
        ).toFixed(0)} ms, ` +
        `${refused.length} refused (p50 ${percentile(
          refused.map((r) => r.ms),
          50,
        ).toFixed(1)} ms, ` +
        `p99 ${percentile(
          refused.map((r) => r.ms),
          99,
        ).toFixed(1)} ms; 429 p50 ` +
        `${percentile(
          full.map((r) => r.ms),
          50,
        ).toFixed(1)} ms), RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ` +
        `${(rssAfter / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(overload.length).toBeGreaterThanOrEqual(Math.floor(10 * capacity * 3) - 1);
    expect(overload.filter((r) => ![200, 429, 503].includes(r.status))).toEqual([]);
    expect(refused.length).toBeGreaterThan(ok.length);
    expect(goodput).toBeGreaterThanOrEqual(capacity * 0.5);
    // Refusals at the queue bound cost no backend time: much faster than any accepted request.
    expect(full.length).toBeGreaterThan(0);
    expect(
      percentile(
        full.map((r) => r.ms),
        50,
      ),
    ).toBeLessThan(
      percentile(
        ok.map((r) => r.ms),
        50,
      ) / 2,
    );
    expect(rssAfter - rssBefore).toBeLessThan(100 * 2 ** 20);
    expect((await fetch(`${replica.url}/livez`)).status).toBe(200);
    expect((await postJson(url, row)).status).toBe(200);
    expect(await replica.child.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });
  });

  it('a replica whose event loop keeps falling behind refuses new predictions with 503 while health keeps answering', async () => {
    const replica = await startReplicaProcess(bundle.path, stack, join(dataDir, 'lag'), {
      SHUTDOWN_DRAIN_MS: '0',
      EVENT_LOOP_LAG_LIMIT_MS: '100',
    });
    await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
    const predictUrl = `${replica.url}/v1/models/light:predict`;
    expect((await postJson(predictUrl, row)).status).toBe(200);

    // A loop that keeps falling behind, made deterministic: the replica is frozen for 200 ms at a
    // time with only a few ms to run in between (as a process starved of CPU or stuck in long
    // synchronous work sees it). Real load produces the same lag only by chance on a shared machine.
    let stalling = true;
    const stalls = (async () => {
      while (stalling) {
        process.kill(replica.child.pid, 'SIGSTOP');
        await sleep(200);
        process.kill(replica.child.pid, 'SIGCONT');
        await sleep(5);
      }
    })();
    const light: Array<{ status: number; message?: string }> = [];
    const livez: number[] = [];
    try {
      const until = performance.now() + 3000;
      while (performance.now() < until) {
        const [health, ...predictions] = await Promise.all([
          fetch(`${replica.url}/livez`),
          ...Array.from({ length: 3 }, () => postJson(predictUrl, row)),
        ]);
        for (const prediction of predictions) {
          light.push({ status: prediction.status, message: prediction.body?.error?.message });
        }
        livez.push(health.status);
      }
    } finally {
      stalling = false;
      await stalls;
      process.kill(replica.child.pid, 'SIGCONT');
    }
    const shed = light.filter((r) => r.status === 503);
    console.log(`lag guard: ${shed.length} of ${light.length} predictions shed while stalled`);
    expect(livez.length).toBeGreaterThan(0);
    expect(livez.every((s) => s === 200)).toBe(true);
    expect(shed.length).toBeGreaterThan(0);
    for (const r of shed)
      expect(r.message).toMatch(/^the replica is overloaded \(event loop \d+ ms behind\)$/);
    expect(light.filter((r) => r.status !== 200 && r.status !== 503)).toEqual([]);
    // Once the loop keeps up again, predictions are accepted again.
    await waitFor(async () => (await postJson(predictUrl, row)).status === 200, { timeoutMs: 5000 });
    expect(await replica.child.stop('SIGTERM', 10_000)).toEqual({ code: 0, signal: null });
  });
});
