import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEMO_MODELS_DIR, MANIFEST_FILE } from '../manifest.ts';
import { buildDtypesModel } from './dtypes.ts';
import { buildMixedModel } from './mixed.ts';
import { buildStatefulModel } from './stateful.ts';
import { buildTokensModel } from './tokens.ts';
import type { SignatureModelEntry, SignatureModelName } from './types.ts';

/** Where `pnpm build` writes the signature models and their manifest. */
export const SIGNATURE_MODELS_DIR = resolve(DEMO_MODELS_DIR, 'signatures');

/**
 * Writes the signature models (`<model>-<version>.onnx`) and their manifest.json into outDir.
 * They are not trained: they exist so tests can serve the tensor signatures real models have.
 * Deterministic; returns the entries with absolute paths.
 */
export function buildSignatureModels(outDir: string = SIGNATURE_MODELS_DIR): SignatureModelEntry[] {
  mkdirSync(outDir, { recursive: true });
  const built = [buildMixedModel(), buildStatefulModel(), buildDtypesModel(), buildTokensModel()];
  const models: SignatureModelEntry[] = built.map(({ entry, bytes }) => {
    const file = `${entry.model}-${entry.version}.onnx`;
    writeFileSync(resolve(outDir, file), bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { model, version, ...rest } = entry;
    return { model, version, file, sha256, ...rest };
  });
  writeFileSync(resolve(outDir, MANIFEST_FILE), `${JSON.stringify({ models }, null, 2)}\n`);
  return models.map((m) => ({ ...m, file: resolve(outDir, m.file) }));
}

/** Reads the signature manifest, files as absolute paths. Throws if the models were never built. */
export function loadSignatureModels(dir: string = SIGNATURE_MODELS_DIR): SignatureModelEntry[] {
  let text: string;
  try {
    text = readFileSync(resolve(dir, MANIFEST_FILE), 'utf8');
  } catch (cause) {
    throw new Error(`no signature models in ${dir}: run \`pnpm --filter @modelplane/demo-models build\``, {
      cause,
    });
  }
  const { models } = JSON.parse(text) as { models: SignatureModelEntry[] };
  return models.map((m) => ({ ...m, file: resolve(dir, m.file) }));
}

/** The entry for a signature model, failing loudly when the build did not produce it. */
export function signatureModel(name: SignatureModelName, dir?: string): SignatureModelEntry {
  const entry = loadSignatureModels(dir).find((m) => m.model === name);
  if (!entry) throw new Error(`no signature model ${name}; run the demo-models build`);
  return entry;
}
