import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Names of the demo models. */
export type DemoModelName = 'recs' | 'conversion' | 'heavy-mlp' | 'signal-level';

/** Tensor element types, named as the Open Inference Protocol names them. */
export type TensorDatatype = 'FP32' | 'INT64';

/** A graph input or output; -1 marks the symbolic batch dimension (dim_param "batch"). */
export interface TensorSpec {
  name: string;
  datatype: TensorDatatype;
  shape: number[];
}

/** JSON Schema (draft-07 and 2020-12 compatible) of one instance as an object of named features. */
export interface JsonSchemaObject {
  title: string;
  type: 'object';
  properties: Record<string, Record<string, unknown>>;
  required: string[];
  additionalProperties: false;
}

/** Held-out quality of a trained model; rounded to 4 decimals. */
export interface DemoModelMetrics {
  trainedOnRows: number;
  evaluatedOnRows?: number;
  accuracy?: number;
  hitRateAt5?: number;
  auc?: number;
  /** heavy-mlp only: multiply-accumulates per row. */
  macsPerRow?: number;
}

/** One model version in the manifest. */
export interface DemoModelEntry {
  model: DemoModelName;
  version: string;
  /** Absolute path once loaded through {@link loadManifest}; relative to the manifest on disk. */
  file: string;
  sha256: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Tabular models: column i of the `features` tensor is featureOrder[i]. */
  featureOrder?: string[];
  /** Tabular models: schema of one instance as named features. */
  inputSchema?: JsonSchemaObject;
  /** recs: product id of each `scores` column, so `top_items` indices can be named. */
  classLabels?: string[];
  metrics: DemoModelMetrics;
  description: string;
}

/** The contents of models/manifest.json. */
export interface DemoManifest {
  irVersion: number;
  opset: number;
  models: DemoModelEntry[];
}

/** Absolute path of the directory `pnpm build` writes the models and manifest into. */
export const DEMO_MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../models');

/** File name of the manifest inside a models directory. */
export const MANIFEST_FILE = 'manifest.json';

/** Reads the manifest and turns each `file` into an absolute path. Throws if the models were never built. */
export function loadManifest(dir: string = DEMO_MODELS_DIR): DemoManifest {
  let text: string;
  try {
    text = readFileSync(resolve(dir, MANIFEST_FILE), 'utf8');
  } catch (cause) {
    throw new Error(`no demo model manifest in ${dir}: run \`pnpm --filter @modelplane/demo-models build\``, {
      cause,
    });
  }
  const manifest = JSON.parse(text) as DemoManifest;
  return { ...manifest, models: manifest.models.map((m) => ({ ...m, file: resolve(dir, m.file) })) };
}

/** The entry for `model@version`, or undefined when the manifest has no such version. */
export function findModel(
  manifest: DemoManifest,
  model: DemoModelName,
  version: string,
): DemoModelEntry | undefined {
  return manifest.models.find((m) => m.model === model && m.version === version);
}
