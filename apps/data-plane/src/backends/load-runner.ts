import type { Executor } from '@modelplane/db';
import type { VersionConfig } from '../routing/types.ts';
import { fetchArtifact } from './artifact-fetch.ts';
import { OnnxRunner } from './onnx-runner.ts';
import type { ModelRunner } from './types.ts';

/** What any backend may need to become ready. */
export interface LoadContext {
  db: Executor;
  cacheDir: string;
  intraOpThreads: number;
  /** Whole-download timeout for http(s) artifacts. */
  fetchTimeoutMs?: number;
  /** Largest artifact accepted. */
  maxArtifactBytes?: number;
}

/** The version uses a backend kind this replica cannot serve yet. */
export class UnsupportedBackendError extends Error {
  constructor(kind: string) {
    super(`backend kind ${kind} is not supported yet`);
    this.name = 'UnsupportedBackendError';
  }
}

/** Creates and warms the runner for one version. The one place that dispatches on backend kind. */
export function loadRunner(version: VersionConfig, context: LoadContext): Promise<ModelRunner> {
  switch (version.backend.kind) {
    case 'onnx':
      return loadOnnx(version, context);
    default:
      return Promise.reject(new UnsupportedBackendError(version.backend.kind));
  }
}

async function loadOnnx(version: VersionConfig, context: LoadContext): Promise<ModelRunner> {
  if (!version.artifact) throw new Error(`${version.ref} has backend kind onnx but no artifact`);
  const { uri, sha256 } = version.artifact;
  const path = await fetchArtifact(uri, sha256, {
    db: context.db,
    cacheDir: context.cacheDir,
    ref: version.ref,
    timeoutMs: context.fetchTimeoutMs,
    maxBytes: context.maxArtifactBytes,
  });
  return OnnxRunner.load({ path, sha256, ref: version.ref, intraOpThreads: context.intraOpThreads });
}
