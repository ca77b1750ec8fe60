import { describe, expect, it } from 'vitest';
import { generateConversionData } from './conversion-data.ts';
import { findModel, loadManifest } from './manifest.ts';
import { generateRecsData } from './recs-data.ts';
import { openSession, output, runRows } from './testing/ort.ts';
import { toRows } from './testing/reference.ts';

// Fresh seeds, used neither for training nor for the manifest's metrics.
const manifest = loadManifest();

async function recsHitRateAt5(version: string, seed: number): Promise<number> {
  const entry = findModel(manifest, 'recs', version);
  if (!entry) throw new Error(`recs@${version} missing`);
  const data = generateRecsData({ seed, rows: 3000 });
  const session = await openSession(entry);
  try {
    const top = toRows(output(await runRows(session, data.rows), 'top_items').data as BigInt64Array, 5);
    return top.filter((items, i) => items.includes(data.labels[i] ?? -1)).length / top.length;
  } finally {
    await session.release();
  }
}

describe('held-out quality through onnxruntime', () => {
  it('recs@2.0.0 recommends the product users buy far more often than recs@1.0.0', async () => {
    const v1 = await recsHitRateAt5('1.0.0', 9001);
    const v2 = await recsHitRateAt5('2.0.0', 9001);
    // Chance is 5/20 = 0.25.
    expect(v1).toBeGreaterThan(0.25);
    expect(v2).toBeGreaterThan(0.7);
    expect(v2 - v1).toBeGreaterThan(0.25);
  });

  it('conversion@1.0.0 ranks buyers above non-buyers (AUC by pair counting)', async () => {
    const entry = findModel(manifest, 'conversion', '1.0.0');
    if (!entry) throw new Error('conversion@1.0.0 missing');
    const data = generateConversionData({ seed: 9002, rows: 2000 });
    const session = await openSession(entry);
    const p = Array.from(output(await runRows(session, data.rows), 'probability').data as Float32Array);
    await session.release();
    const buyers = p.filter((_, i) => data.labels[i] === 1);
    const others = p.filter((_, i) => data.labels[i] === 0);
    let wins = 0;
    for (const b of buyers) for (const o of others) wins += b > o ? 1 : b === o ? 0.5 : 0;
    expect(wins / (buyers.length * others.length)).toBeGreaterThan(0.75);
  });
});
