import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAllProcesses, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, registerFile } from '../serving-stack.ts';
import { demo, type Stack, startStack } from '../stack.ts';
import { bundleDataPlane, type ReplicaProcess, startReplicaProcess } from './replica-process.ts';

// heavy-mlp (256 -> hidden -> 16) at large batches holds the thread that runs it for hundreds of
// milliseconds. The same file twice: sessions on the main thread, and in one worker thread. The
// replica runs in its own process, so the test's client work does not share its event loop.

let stack: Stack;
let replica: ReplicaProcess;
let bundle: Awaited<ReturnType<typeof bundleDataPlane>>;
let dataDir: string;
const heavy = demo('heavy-mlp', '1.0.0');
// 256 rows x 256 features: the largest tensor request validation accepts (65536 elements).
const ROWS = 256;

beforeAll(async () => {
  stack = await startStack();
  await stack.admin.models.create.mutate({ name: 'heavy' });
  await registerFile(stack, 'heavy', 'main', heavy);
  await registerFile(stack, 'heavy', 'worker', heavy, { workerThreads: 1 });
  await stack.admin.traffic.set.mutate({
    model: 'heavy',
    weights: [
      { version: 'main', weight: 5000 },
      { version: 'worker', weight: 5000 },
    ],
  });
  bundle = await bundleDataPlane();
  dataDir = await mkdtemp(join(tmpdir(), 'mp-workers-'));
  // The overload guard is off here: this file measures the stall, it must not shed.
  replica = await startReplicaProcess(bundle.path, stack, dataDir, {
    EVENT_LOOP_LAG_LIMIT_MS: '0',
    MAX_BODY_BYTES: String(16 << 20),
  });
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
}, 90_000);

afterAll(async () => {
  await stopAllProcesses();
  await bundle?.remove();
  await stack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const body = {
  inputs: [
    {
      name: 'x',
      datatype: 'FP32',
      shape: [ROWS, 256],
      data: Array.from({ length: ROWS * 256 }, (_, i) => (i % 7) / 8),
    },
  ],
};

/** Sends `count` concurrent heavy requests to `label` while polling /livez; records the slowest answer. */
async function measure(
  label: string,
  count: number,
): Promise<{ livezMaxMs: number; totalMs: number; outputs: unknown[] }> {
  let running = true;
  let livezMaxMs = 0;
  const poll = (async () => {
    while (running) {
      const started = performance.now();
      const res = await fetch(`${replica.url}/livez`);
      expect(res.status).toBe(200);
      livezMaxMs = Math.max(livezMaxMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: count }, () =>
      postJson(`${replica.url}/v2/models/heavy/versions/${label}/infer`, body),
    ),
  );
  const totalMs = performance.now() - started;
  running = false;
  await poll;
  for (const res of results) expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
  return { livezMaxMs, totalMs, outputs: results.map((r) => r.body.outputs) };
}

describe('worker-thread sessions', () => {
  it('keep health endpoints answering while a heavy model runs, with the same outputs', async () => {
    await measure('worker', 1);
    await measure('main', 1);
    const worker = await measure('worker', 8);
    const main = await measure('main', 8);
    console.log(
      `heavy-mlp batch ${ROWS} x8 concurrent: worker thread /livez max ${worker.livezMaxMs.toFixed(0)} ms, ` +
        `total ${worker.totalMs.toFixed(0)} ms; main thread /livez max ${main.livezMaxMs.toFixed(0)} ms, ` +
        `total ${main.totalMs.toFixed(0)} ms`,
    );
    expect(worker.outputs).toEqual(main.outputs);
    expect(worker.livezMaxMs).toBeLessThan(main.livezMaxMs);
  });
});
