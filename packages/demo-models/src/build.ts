import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEMO_MODELS_DIR, type DemoManifest, type DemoModelEntry, MANIFEST_FILE } from './manifest.ts';
import { IR_VERSION, OPSET } from './onnx-builder.ts';
import { buildConversionModel } from './recipes/conversion.ts';
import { buildHeavyMlp } from './recipes/heavy-mlp.ts';
import { buildRecsModels } from './recipes/recs.ts';
import { buildSignalLevel } from './recipes/signal-level.ts';
import { buildSignatureModels } from './signatures/manifest.ts';

/**
 * Trains every demo model and writes `<model>-<version>.onnx` plus manifest.json into outDir.
 * Deterministic: the same bytes come out on every run. Returns the manifest with absolute paths.
 */
export function buildDemoModels(outDir: string = DEMO_MODELS_DIR): DemoManifest {
  mkdirSync(outDir, { recursive: true });
  const built = [...buildRecsModels(), buildConversionModel(), buildHeavyMlp(), buildSignalLevel()];
  const models: DemoModelEntry[] = built.map(({ entry, bytes }) => {
    const file = `${entry.model}-${entry.version}.onnx`;
    writeFileSync(resolve(outDir, file), bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { model, version, ...rest } = entry;
    // Identity first, so the manifest reads top-down.
    return { model, version, file, sha256, ...rest };
  });
  const manifest: DemoManifest = { irVersion: IR_VERSION, opset: OPSET, models };
  writeFileSync(resolve(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  // Untrained models with the tensor signatures real models have, for the serving tests.
  buildSignatureModels(resolve(outDir, 'signatures'));
  return { ...manifest, models: models.map((m) => ({ ...m, file: resolve(outDir, m.file) })) };
}
