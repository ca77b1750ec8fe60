export * from './artifact-cache.ts';
export * from './artifact-fetch.ts';
export * from './backend-manager.ts';
export * from './load-runner.ts';
export * from './onnx-external-data.ts';
export * from './onnx-runner.ts';
export * from './onnx-tensors.ts';
export type * from './types.ts';
