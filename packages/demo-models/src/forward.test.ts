import type { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversionData } from './conversion-data.ts';
import { type DemoModelEntry, findModel, loadManifest } from './manifest.ts';
import { createRng } from './prng.ts';
import { generateRecsData } from './recs-data.ts';
import { openSession, output, runRows } from './testing/ort.ts';
import { argsortDesc, dense, readWeights, relu, sigmoid, softmax, toRows } from './testing/reference.ts';

const manifest = loadManifest();

type Reference = (file: string, rows: number[][]) => number[][];

function weight(weights: ReturnType<typeof readWeights>, name: string) {
  const w = weights.get(name);
  if (!w) throw new Error(`no initializer ${name}`);
  return w;
}

const recsReference: Reference = (file, rows) => {
  const w = readWeights(file);
  return softmax(dense(rows, weight(w, 'W'), weight(w, 'b')));
};
const conversionReference: Reference = (file, rows) => {
  const w = readWeights(file);
  return sigmoid(dense(rows, weight(w, 'W'), weight(w, 'b')));
};
const mlpReference: Reference = (file, rows) => {
  const w = readWeights(file);
  let h = rows;
  for (let l = 0; w.has(`W${l}`); l++) {
    h = dense(h, weight(w, `W${l}`), weight(w, `b${l}`));
    if (w.has(`W${l + 1}`)) h = relu(h);
  }
  return h;
};

const randomRows = (n: number) => {
  const rng = createRng(77);
  return Array.from({ length: n }, () => Array.from({ length: 256 }, () => rng.uniform(-1, 1)));
};
const toNumbers = (rows: Float64Array[]) => rows.map((r) => Array.from(r));

const cases: [string, DemoModelEntry | undefined, string, Reference, number[][]][] = [
  [
    'recs@1.0.0',
    findModel(manifest, 'recs', '1.0.0'),
    'scores',
    recsReference,
    toNumbers(generateRecsData({ seed: 41, rows: 64 }).rows),
  ],
  [
    'recs@2.0.0',
    findModel(manifest, 'recs', '2.0.0'),
    'scores',
    recsReference,
    toNumbers(generateRecsData({ seed: 41, rows: 64 }).rows),
  ],
  [
    'conversion@1.0.0',
    findModel(manifest, 'conversion', '1.0.0'),
    'probability',
    conversionReference,
    toNumbers(generateConversionData({ seed: 42, rows: 64 }).rows),
  ],
  ['heavy-mlp@1.0.0', findModel(manifest, 'heavy-mlp', '1.0.0'), 'y', mlpReference, randomRows(16)],
];

describe.each(cases)('%s', (name, entry, outputName, reference, rows) => {
  let session: InferenceSession;
  beforeAll(async () => {
    if (!entry) throw new Error(`${name} missing from the manifest`);
    session = await openSession(entry);
  });
  afterAll(() => session?.release());

  it('matches a plain-TypeScript forward pass to 1e-5', async () => {
    const width = entry?.outputs.find((o) => o.name === outputName)?.shape[1] ?? 0;
    const got = toRows(output(await runRows(session, rows), outputName).data as Float32Array, width);
    const want = reference(entry?.file ?? '', rows);
    expect(got.length).toBe(rows.length);
    for (const [r, row] of got.entries()) {
      for (const [c, v] of row.entries()) {
        const expected = want[r]?.[c] ?? Number.NaN;
        // Absolute for probabilities; relative for the MLP, whose outputs reach several units.
        expect(Math.abs(v - expected)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected)));
      }
    }
  });

  it('gives the same answer for a batch of 8 as for 8 single runs', async () => {
    const batch = rows.slice(0, 8);
    const batched = await runRows(session, batch);
    for (const [i, row] of batch.entries()) {
      const single = await runRows(session, [row]);
      for (const name of session.outputNames) {
        const all = output(batched, name);
        const width = all.dims[1] ?? 0;
        const mine = Array.from(all.data as ArrayLike<number | bigint>).slice(i * width, (i + 1) * width);
        const one = Array.from(output(single, name).data as ArrayLike<number | bigint>);
        mine.forEach((v, c) => {
          expect(Math.abs(Number(v) - Number(one[c]))).toBeLessThanOrEqual(
            1e-6 * Math.max(1, Math.abs(Number(v))),
          );
        });
      }
    }
  });
});

describe('recs top_items', () => {
  it.each(['1.0.0', '2.0.0'])(
    'recs@%s returns the five best-scored products, best first',
    async (version) => {
      const entry = findModel(manifest, 'recs', version);
      if (!entry) throw new Error(`recs@${version} missing`);
      const session = await openSession(entry);
      try {
        const result = await runRows(session, toNumbers(generateRecsData({ seed: 43, rows: 200 }).rows));
        const scores = toRows(output(result, 'scores').data as Float32Array, 20);
        const top = output(result, 'top_items');
        expect(top.type).toBe('int64');
        const items = toRows(top.data as BigInt64Array, 5);
        scores.forEach((row, r) => {
          expect(items[r]).toEqual(argsortDesc(row).slice(0, 5));
          expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
        });
      } finally {
        await session.release();
      }
    },
  );
});
