import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DEMO_MODELS_DIR, findModel, loadManifest, type TensorSpec } from './manifest.ts';
import { openSession } from './testing/ort.ts';

const manifest = loadManifest();
const ORT_TYPES = { float32: 'FP32', int64: 'INT64' } as const;

function asSpecs(meta: readonly InferenceSession.ValueMetadata[]): TensorSpec[] {
  return meta.map((m) => {
    if (!m.isTensor) throw new Error(`${m.name} is not a tensor`);
    return {
      name: m.name,
      datatype: ORT_TYPES[m.type as keyof typeof ORT_TYPES] ?? (m.type as never),
      // onnxruntime reports the symbolic batch dimension by its name.
      shape: m.shape.map((d) => (typeof d === 'string' ? -1 : d)),
    };
  });
}

describe('demo model manifest', () => {
  it('lists every model version the platform demos rely on', () => {
    expect(manifest.models.map((m) => `${m.model}@${m.version}`).sort()).toEqual([
      'conversion@1.0.0',
      'heavy-mlp@1.0.0',
      'recs@1.0.0',
      'recs@2.0.0',
      'signal-level@1.0.0',
    ]);
    expect(findModel(manifest, 'recs', '2.0.0')?.file.startsWith(DEMO_MODELS_DIR)).toBe(true);
    expect(findModel(manifest, 'recs', '9.9.9')).toBeUndefined();
  });

  it.each(manifest.models.map((m) => [`${m.model}@${m.version}`, m] as const))(
    '%s: sha256 matches the file on disk',
    (_, entry) => {
      expect(createHash('sha256').update(readFileSync(entry.file)).digest('hex')).toBe(entry.sha256);
    },
  );

  it.each(manifest.models.map((m) => [`${m.model}@${m.version}`, m] as const))(
    '%s: onnxruntime loads it with the declared inputs and outputs',
    async (_, entry) => {
      const session = await openSession(entry);
      try {
        expect(asSpecs(session.inputMetadata)).toEqual(entry.inputs);
        expect(asSpecs(session.outputMetadata)).toEqual(entry.outputs);
        for (const meta of [...session.inputMetadata, ...session.outputMetadata]) {
          expect(meta.isTensor && meta.shape[0]).toBe('batch');
        }
      } finally {
        await session.release();
      }
    },
  );

  it('declares a feature order that matches the input width and schema of tabular models', () => {
    const untabular = ['heavy-mlp', 'signal-level'];
    for (const entry of manifest.models.filter((m) => !untabular.includes(m.model))) {
      const order = entry.featureOrder ?? [];
      expect(entry.inputs[0]?.shape[1]).toBe(order.length);
      expect(entry.inputSchema?.required).toEqual(order);
      expect(Object.keys(entry.inputSchema?.properties ?? {})).toEqual(order);
    }
  });

  it('reports held-out metrics with a clear gap between recs versions', () => {
    const v1 = findModel(manifest, 'recs', '1.0.0')?.metrics;
    const v2 = findModel(manifest, 'recs', '2.0.0')?.metrics;
    expect(v2?.trainedOnRows).toBeGreaterThan(v1?.trainedOnRows ?? Number.POSITIVE_INFINITY);
    expect((v2?.hitRateAt5 ?? 0) - (v1?.hitRateAt5 ?? 1)).toBeGreaterThan(0.25);
    expect(findModel(manifest, 'conversion', '1.0.0')?.metrics.auc).toBeGreaterThan(0.75);
  });
});
