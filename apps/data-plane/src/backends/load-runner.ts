import type { Executor } from '@modelplane/db';
import type { VersionConfig } from '../routing/types.ts';
import { fetchArtifact } from './artifact-fetch.ts';
import type { NetworkPolicy } from './network-policy.ts';
import { OnnxRunner, readServableModel } from './onnx-runner.ts';
import type { RemoteContext } from './remote/context.ts';
import { OipRunner } from './remote/oip-runner.ts';
import { remoteTarget } from './remote/remote-target.ts';
import { TfServingRunner } from './remote/tfserving-runner.ts';
import type { ModelRunner } from './types.ts';
import { WorkerOnnxRunner } from './worker-runner.ts';

/** What any backend may need to become ready. */
export interface LoadContext {
  db: Executor;
  cacheDir: string;
  intraOpThreads: number;
  /** Bound on a whole artifact fetch, from any source. */
  fetchTimeoutMs?: number;
  /** Largest artifact accepted. */
  maxArtifactBytes?: number;
  /** `file://` artifacts are read only from under this directory; unset refuses them. */
  fileRoot?: string | undefined;
  /** Where http(s) artifacts may come from; public addresses only when unset. */
  network?: NetworkPolicy;
  remote?: RemoteContext;
}

/** The version uses a backend kind this replica cannot serve. */
export class UnsupportedBackendError extends Error {
  constructor(kind: string) {
    super(`backend kind ${kind} is not supported by this replica`);
    this.name = 'UnsupportedBackendError';
  }
}

/**
 * What decides whether a loaded runner still fits a version after its config changed: a change
 * here means a new runner (made before the old one is released); anything else applies live.
 */
export function runnerKey(version: VersionConfig): string {
  return JSON.stringify([
    version.backend,
    version.artifact?.sha256,
    version.servingOptions.workerThreads ?? 0,
  ]);
}

/** Creates and warms the runner for one version. The one place that dispatches on backend kind. */
export function loadRunner(version: VersionConfig, context: LoadContext): Promise<ModelRunner> {
  const { backend } = version;
  switch (backend.kind) {
    case 'onnx':
      return loadOnnx(version, context);
    case 'oip':
    case 'tfserving': {
      const remote = context.remote;
      if (!remote) return Promise.reject(new UnsupportedBackendError(backend.kind));
      try {
        const target = remoteTarget(version, backend, remote.hostAllowlist, remote.defaultTimeoutMs);
        const endpoint = remote.endpoints.get(target.baseUrl);
        return backend.kind === 'oip'
          ? OipRunner.load(target, endpoint, remote.loadTimeoutMs)
          : TfServingRunner.load(target, endpoint, remote.loadTimeoutMs);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    default:
      return Promise.reject(new UnsupportedBackendError((backend as { kind: string }).kind));
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
    fileRoot: context.fileRoot,
    network: context.network,
  });
  const warmup = version.warmup ?? null;
  const options = { path, sha256, ref: version.ref, intraOpThreads: context.intraOpThreads, warmup };
  const threads = version.servingOptions.workerThreads ?? 0;
  if (threads === 0) return OnnxRunner.load(options);
  const bytes = await readServableModel(options);
  return WorkerOnnxRunner.start({
    bytes,
    ref: version.ref,
    threads,
    intraOpThreads: context.intraOpThreads,
    warmup,
  });
}
