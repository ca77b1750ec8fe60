// `pnpm time:heavy`: single-row latency of heavy-mlp through onnxruntime-node (the README's number).
import * as ort from 'onnxruntime-node';
import { findModel, loadManifest } from './manifest.ts';
import { createRng } from './prng.ts';

const RUNS = 2000;
const entry = findModel(loadManifest(), 'heavy-mlp', '1.0.0');
if (!entry) throw new Error('heavy-mlp@1.0.0 is not built: run `pnpm build`');
const rng = createRng(1);
const x = new ort.Tensor(
  'float32',
  Float32Array.from({ length: 256 }, () => rng.uniform(-1, 1)),
  [1, 256],
);

for (const threads of [1, 2]) {
  const session = await ort.InferenceSession.create(entry.file, { intraOpNumThreads: threads });
  for (let i = 0; i < 200; i++) await session.run({ x });
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await session.run({ x });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => (times[Math.floor(p * (RUNS - 1))] ?? Number.NaN).toFixed(3);
  console.log(`intraOpNumThreads=${threads}: p50 ${q(0.5)} ms  p90 ${q(0.9)} ms  min ${q(0)} ms`);
  await session.release();
}
