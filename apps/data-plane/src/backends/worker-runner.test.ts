import { readFile } from 'node:fs/promises';
import { findModel, loadManifest } from '@modelplane/demo-models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../errors.ts';
import type { Tensor } from './types.ts';
import { WorkerOnnxRunner } from './worker-runner.ts';

const heavy = findModel(loadManifest(), 'heavy-mlp', '1.0.0');
if (!heavy) throw new Error('run the demo-models build');
const big: Tensor[] = [
  {
    name: 'x',
    datatype: 'FP32',
    shape: [512, 256],
    data: Array.from({ length: 512 * 256 }, (_, i) => (i % 5) / 4),
  },
];

let runner: WorkerOnnxRunner;
beforeAll(async () => {
  const bytes = new Uint8Array(await readFile(heavy.file));
  runner = await WorkerOnnxRunner.start({
    bytes,
    ref: 'heavy-mlp@1.0.0',
    threads: 1,
    intraOpThreads: 1,
    maxQueuePerWorker: 2,
  });
}, 30_000);
afterAll(async () => {
  await runner?.close();
});

describe('WorkerOnnxRunner', () => {
  it('refuses a request with 503 once every worker holds its queue’s worth, and serves the rest', async () => {
    const held = [runner.infer(big), runner.infer(big)];
    const refused = await runner.infer(big).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as UnavailableError).message).toContain('already holds 2 requests');
    expect((refused as UnavailableError).retryAfterSeconds).toBe(1);
    const outputs = await Promise.all(held);
    for (const out of outputs) expect(out[0]?.shape).toEqual([512, 16]);
    // Room again once they are done.
    expect((await runner.infer(big))[0]?.shape).toEqual([512, 16]);
  });
});
