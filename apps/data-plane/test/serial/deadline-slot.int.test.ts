import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAllProcesses, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, registerFile } from '../serving-stack.ts';
import { demo, type Stack, startStack } from '../stack.ts';
import { bundleDataPlane, type ReplicaProcess, startReplicaProcess } from './replica-process.ts';

// heavy-mlp served by one worker thread. A 1024-row request keeps the worker busy for hundreds of
// milliseconds while the event loop stays free, so a small request queued behind it can reach its
// deadline there: the caller gets 504 at once, but its admission slot must stay taken until the
// worker is done with it (or real concurrency would exceed maxInFlight), and the worker must skip a
// run whose deadline passed while it queued instead of starting it.

let stack: Stack;
let replica: ReplicaProcess;
let bundle: Awaited<ReturnType<typeof bundleDataPlane>>;
let dataDir: string;
const heavy = demo('heavy-mlp', '1.0.0');
const BIG = 1024;
const rows = (n: number) => ({
  inputs: [
    {
      name: 'x',
      datatype: 'FP32',
      shape: [n, 256],
      data: Array.from({ length: n * 256 }, (_, i) => (i % 7) / 8),
    },
  ],
});

beforeAll(async () => {
  stack = await startStack();
  await stack.admin.models.create.mutate({ name: 'slow' });
  // Two executions at a time and no queue: a third request while two are held is refused with 429.
  await registerFile(stack, 'slow', 'worker', heavy, { workerThreads: 1, maxInFlight: 2, maxQueue: 0 });
  await stack.admin.traffic.promote.mutate({ model: 'slow', version: 'worker' });
  bundle = await bundleDataPlane();
  dataDir = await mkdtemp(join(tmpdir(), 'mp-deadline-'));
  replica = await startReplicaProcess(bundle.path, stack, dataDir, {
    EVENT_LOOP_LAG_LIMIT_MS: '0',
    MAX_BODY_BYTES: String(16 << 20),
    MAX_ARRAY_LENGTH: String(BIG * 256),
    MAX_INSTANCES: String(BIG),
  });
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
}, 90_000);

afterAll(async () => {
  await stopAllProcesses();
  await bundle?.remove();
  await stack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const infer = (n: number, headers: Record<string, string> = {}) =>
  postJson(`${replica.url}/v2/models/slow/infer`, rows(n), headers);

/** A sample of the version's series on /metrics (0 when absent). */
async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  const escaped = `${name}{version="slow@worker"${labels}}`.replace(/[{}]/g, '\\$&');
  return Number(new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

describe('a deadline while a worker-thread run is queued', () => {
  it('answers 504 at once, keeps the slot until the worker is done, and skips the run', async () => {
    expect((await infer(1)).status).toBe(200);
    const skipped = () => metric('modelplane_inference_duration_seconds_count', ',outcome="skipped"');
    const skippedBefore = await skipped();

    const big = infer(BIG);
    await waitFor(async () => (await metric('modelplane_backend_in_flight')) === 1, {
      timeoutMs: 10_000,
      message: 'the big request to reach the worker',
    });
    const late = await infer(1, { 'x-request-timeout-ms': '30' });
    expect(late.status).toBe(504);
    expect(late.ms).toBeLessThan(300);
    // Both slots are still held (the big run, and the 504'd request queued in the worker): refused.
    const next = await infer(1);
    expect(next.status).toBe(429);
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await metric('modelplane_backend_in_flight')).toBe(2);

    expect((await big).status).toBe(200);
    await waitFor(async () => (await skipped()) === skippedBefore + 1, {
      timeoutMs: 10_000,
      message: 'the queued run to be skipped',
    });
    await waitFor(async () => (await metric('modelplane_backend_in_flight')) === 0, { timeoutMs: 10_000 });
    expect((await infer(1)).status).toBe(200);
  });
});
