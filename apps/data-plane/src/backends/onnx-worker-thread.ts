import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OnnxWorkerData, OnnxWorkerRequest, OnnxWorkerResponse } from './onnx-worker-protocol.ts';

/**
 * Where the worker's program is. Built, scripts/bundle.mjs writes it beside the bundle that starts
 * it (dist/main.js → dist/onnx-worker.js, for every app that bundles the data plane: its
 * package.json lists it under `workers`). Run from the TypeScript sources (vitest, tsx), this file
 * ends in `.ts` and the worker is its `.ts` sibling.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './onnx-worker.ts' : './onnx-worker.js', import.meta.url);

/** A worker thread running onnx-worker.ts, typed by its message protocol. */
export interface OnnxWorkerThread {
  readonly worker: Worker;
  post(message: OnnxWorkerRequest): void;
  onMessage(listener: (message: OnnxWorkerResponse) => void): void;
}

/** Starts one inference worker; it answers `ready` or `failed` once its session is created. */
export function startOnnxWorker(data: OnnxWorkerData): OnnxWorkerThread {
  if (!FROM_SOURCE && !existsSync(WORKER_URL)) {
    // Otherwise the worker fails with a bare "module not found" of a file nobody knew about.
    throw new Error(
      `${fileURLToPath(WORKER_URL)} is missing: it is built beside the bundle, deploy the whole dist/ directory`,
    );
  }
  const worker = FROM_SOURCE
    ? new Worker(sourceBootstrap(), { eval: true, workerData: data })
    : new Worker(WORKER_URL, { workerData: data });
  return {
    worker,
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.on('message', listener),
  };
}

// Node 20 cannot load TypeScript, and neither vitest's transform nor tsx's loader reaches a worker
// thread: from the sources, the worker registers tsx itself, then imports the program.
function sourceBootstrap(): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((api) => {
    api.register();
    return import(${JSON.stringify(WORKER_URL.href)});
  });`;
}
