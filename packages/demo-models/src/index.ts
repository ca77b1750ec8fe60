export { buildDemoModels } from './build.ts';
export { CONVERSION_FEATURES, generateConversionData } from './conversion-data.ts';
export type { Dataset, FeatureSpec } from './features.ts';
export { rowToInstance } from './features.ts';
export {
  DEMO_MODELS_DIR,
  type DemoManifest,
  type DemoModelEntry,
  type DemoModelMetrics,
  type DemoModelName,
  findModel,
  type JsonSchemaObject,
  loadManifest,
  MANIFEST_FILE,
  type TensorDatatype,
  type TensorSpec,
} from './manifest.ts';
export { generateRecsData, RECS_FEATURES, RECS_PRODUCTS } from './recs-data.ts';
export {
  buildSignatureModels,
  loadSignatureModels,
  SIGNATURE_MODELS_DIR,
  signatureModel,
} from './signatures/manifest.ts';
export { TOKENS_VOCABULARY } from './signatures/tokens.ts';
export type {
  SignatureDatatype,
  SignatureModelEntry,
  SignatureModelName,
  SignatureTensor,
} from './signatures/types.ts';
