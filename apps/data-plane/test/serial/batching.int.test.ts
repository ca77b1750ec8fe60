import { monitorEventLoopDelay } from 'node:perf_hooks';
import { waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timerDelay } from '../../src/backends/batcher.ts';
import type { BatchFlush } from '../../src/backends/stats.ts';
import { postJson, registerFile, type ServingReplica, startServingReplica } from '../serving-stack.ts';
import { demo, type Stack, startStack } from '../stack.ts';
import { burstFromWorker } from './burst-worker.ts';

// Dynamic batching on a real ONNX model: the same file registered twice, batched and not.

let stack: Stack;
let replica: ServingReplica;
const recs = demo('recs', '2.0.0');
const MAX_DELAY_MS = 50;

beforeAll(async () => {
  stack = await startStack();
  await stack.admin.models.create.mutate({ name: 'batched' });
  await registerFile(stack, 'batched', 'b', recs, { maxBatchSize: 16, maxDelayMs: MAX_DELAY_MS });
  await registerFile(stack, 'batched', 'u', recs);
  await stack.admin.traffic.set.mutate({
    model: 'batched',
    weights: [
      { version: 'b', weight: 5000 },
      { version: 'u', weight: 5000 },
    ],
  });
  replica = await startServingReplica(stack);
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 20_000 });
}, 60_000);

afterAll(async () => {
  await replica?.close();
  await stack?.close();
});

/** Request i: 1 to 3 rows of distinct features. */
function request(i: number) {
  const rows = (i % 3) + 1;
  const data = Array.from({ length: rows * 8 }, (_, k) => ((i * 31 + k * 7) % 97) / 9);
  return { inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, 8], data }] };
}

describe('dynamic batching', () => {
  it('a concurrent burst gives the outputs of unbatched inference; no batch waited past maxDelayMs', async () => {
    const burst = 64;
    const bodies = Array.from({ length: burst }, (_, i) => request(i));
    // A first burst warms the JIT and the validators: compiling them stalls the event loop once.
    await burstFromWorker(`${replica.url}/v2/models/batched/versions/b/infer`, bodies);
    const flushes: BatchFlush[] = [];
    replica.plane.stats.on('batch', (f) => flushes.push(f));
    // The replica shares this process's event loop: its stalls (GC, a busy machine) are measured
    // here, outside the code under test, because no timer can fire inside one.
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const batched = await burstFromWorker(`${replica.url}/v2/models/batched/versions/b/infer`, bodies);
    loop.disable();
    const stallMs = loop.max / 1e6;
    const unbatched: Awaited<ReturnType<typeof postJson>>[] = [];
    for (let i = 0; i < burst; i++) {
      unbatched.push(await postJson(`${replica.url}/v2/models/batched/versions/u/infer`, request(i)));
    }
    batched.forEach((res, i) => {
      expect(res.status).toBe(200);
      const reference = unbatched[i]?.body.outputs as Array<{
        name: string;
        shape: number[];
        data: number[];
      }>;
      const outputs = res.body.outputs as typeof reference;
      expect(outputs.map((o) => [o.name, o.shape])).toEqual(reference.map((o) => [o.name, o.shape]));
      outputs.forEach((o, t) => {
        o.data.forEach((v, k) => {
          expect(Math.abs(v - (reference[t]?.data[k] ?? Number.NaN))).toBeLessThanOrEqual(1e-6);
        });
      });
    });

    const mine = flushes.filter((f) => f.version === 'batched@b');
    expect(mine.reduce((n, f) => n + f.requests, 0)).toBe(burst);
    expect(mine.some((f) => f.requests > 1)).toBe(true);
    expect(mine.every((f) => f.rows <= 16)).toBe(true);
    expect(new Set(mine.map((f) => f.reason))).toContain('full');
    // The batcher arms its timer early by the margin: while no stall outlasts the margin no batch
    // waits past maxDelayMs; a longer stall delays a flush by the stall and by nothing else.
    const margin = MAX_DELAY_MS - timerDelay(MAX_DELAY_MS);
    const bound = stallMs < margin ? MAX_DELAY_MS : timerDelay(MAX_DELAY_MS) + stallMs + 2;
    for (const flush of mine) expect(flush.waitedMs).toBeLessThanOrEqual(bound);
    expect(flushes.filter((f) => f.version === 'batched@u')).toEqual([]);
  });

  it('a lone request is flushed by the timer, within maxDelayMs', async () => {
    const flushes: BatchFlush[] = [];
    replica.plane.stats.on('batch', (f) => flushes.push(f));
    const res = await postJson(`${replica.url}/v2/models/batched/versions/b/infer`, request(1));
    expect(res.status).toBe(200);
    expect(flushes).toHaveLength(1);
    expect(flushes[0]).toMatchObject({ version: 'batched@b', requests: 1, reason: 'timer' });
    expect(flushes[0]?.waitedMs).toBeLessThanOrEqual(MAX_DELAY_MS);
    expect(flushes[0]?.waitedMs).toBeGreaterThanOrEqual(MAX_DELAY_MS / 2 - 1);
  });

  it('versions.update turns batching off on the replica without a restart', async () => {
    await stack.admin.versions.update.mutate({ model: 'batched', version: 'b', servingOptions: {} });
    await waitFor(
      async () =>
        replica.plane.routing.snapshot()?.models.get('batched')?.versionsByLabel.get('b')?.servingOptions
          .maxBatchSize === undefined,
      { timeoutMs: 10_000 },
    );
    const flushes: BatchFlush[] = [];
    replica.plane.stats.on('batch', (f) => flushes.push(f));
    expect((await postJson(`${replica.url}/v2/models/batched/versions/b/infer`, request(2))).status).toBe(
      200,
    );
    expect(flushes).toEqual([]);
  });
});
