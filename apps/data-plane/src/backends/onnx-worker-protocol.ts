import type * as ort from 'onnxruntime-node';

/**
 * The messages between {@link WorkerOnnxRunner} and its worker threads (`onnx-worker.ts`). Both
 * sides import these types, so a field renamed on one side fails the typecheck on the other.
 */

/** What a worker starts with (`workerData`): the verified model bytes and the session options. */
export interface OnnxWorkerData {
  bytes: Uint8Array;
  options: ort.InferenceSession.SessionOptions;
}

/** A tensor as it crosses the thread boundary: structured-cloned, the typed array copied. */
export interface WireTensor {
  name: string;
  type: ort.Tensor.Type;
  dims: readonly number[];
  data: ort.Tensor.DataType;
}

/** An input or output of the session: a plain copy of the session's own metadata object. */
export type WireValueMetadata = ort.InferenceSession.ValueMetadata;

/** Runner → worker. `deadline` is wall-clock milliseconds: the threads' performance clocks differ. */
export type OnnxWorkerRequest =
  | { type: 'run'; id: number; feeds: WireTensor[]; deadline: number | undefined }
  | { type: 'close' };

/** Worker → runner: once `ready` or `failed` after start, then one answer per `run`, by id. */
export type OnnxWorkerResponse =
  | { type: 'ready'; inputs: WireValueMetadata[]; outputs: WireValueMetadata[] }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; outputs: WireTensor[] }
  /** The run's deadline passed while it waited in the worker's queue: it was not started. */
  | { type: 'skipped'; id: number }
  | { type: 'error'; id: number; message: string };
