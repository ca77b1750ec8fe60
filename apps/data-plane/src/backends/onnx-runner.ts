import type { WarmupRequest } from '@modelplane/schemas';
import * as ort from 'onnxruntime-node';
import { InFlightList } from '../in-flight-list.ts';
import { readVerifiedArtifact } from './artifact-cache.ts';
import { SessionCreateError } from './load-failure.ts';
import { findExternalTensor } from './onnx-external-data.ts';
import { fromOrtTensor, toOrtTensor, toTensorMeta, validateInputs } from './onnx-tensors.ts';
import type { InferOptions, ModelRunner, Tensor, TensorMeta } from './types.ts';
import { warmUp } from './warmup.ts';

/** What {@link OnnxRunner.load} needs: a verified local artifact and how to run it. */
export interface OnnxRunnerOptions {
  /** A content-addressed artifact from fetchArtifact; its digest is checked again before loading. */
  path: string;
  sha256: string;
  /** `name@version`, for error messages. */
  ref: string;
  /** Intra-op threads per session; default 1. */
  intraOpThreads?: number;
  /** The registered warm-up request; without one, zeros (a failure is then only a warning). */
  warmup?: WarmupRequest | null;
}

/** The runner was released (idle or replica shutdown); ask the BackendManager for a fresh one. */
export class RunnerClosedError extends Error {
  constructor(ref: string) {
    super(`the runner for ${ref} is closed`);
    this.name = 'RunnerClosedError';
  }
}

/** The request's deadline passed before its run started, so nothing ran (counted as `skipped`). */
export class RunSkippedError extends Error {
  constructor(ref: string) {
    super(`${ref}: the deadline passed before the run started`);
    this.name = 'RunSkippedError';
  }
}

/**
 * One onnxruntime-node InferenceSession for one model version. Requests are validated against the
 * session's own metadata before they reach the runtime; outputs come back as flat Tensors.
 */
export class OnnxRunner implements ModelRunner {
  // Not a Set: see InFlightList.
  private readonly inFlight = new InFlightList<Promise<unknown>>();
  private closing: Promise<void> | null = null;
  warmupWarning: string | null = null;

  private constructor(
    readonly ref: string,
    private readonly session: ort.InferenceSession,
    readonly inputs: readonly TensorMeta[],
    readonly outputs: readonly TensorMeta[],
  ) {}

  /**
   * Verifies the artifact's digest, refuses models with external data, creates the session and
   * warms it (see {@link warmUp}) so the first real request does not pay for lazy initialisation.
   */
  static async load(options: OnnxRunnerOptions): Promise<OnnxRunner> {
    const bytes = await readServableModel(options);
    let session: ort.InferenceSession;
    let runner: OnnxRunner;
    try {
      // The exact bytes that were hashed go to the runtime, never a path that could change meanwhile.
      session = await ort.InferenceSession.create(bytes, sessionOptions(options.intraOpThreads ?? 1));
    } catch (error) {
      throw new SessionCreateError(options.ref, error instanceof Error ? error.message : String(error));
    }
    try {
      try {
        runner = new OnnxRunner(
          options.ref,
          session,
          session.inputMetadata.map(toTensorMeta),
          session.outputMetadata.map(toTensorMeta),
        );
      } catch (error) {
        throw new SessionCreateError(options.ref, error instanceof Error ? error.message : String(error));
      }
      runner.warmupWarning = await warmUp(
        (inputs) => runner.infer(inputs),
        runner.inputs,
        options.warmup,
        options.ref,
      );
      return runner;
    } catch (error) {
      await session.release().catch(() => {});
      throw error;
    }
  }

  /**
   * Validates and runs one request. A request whose signal aborted before dispatch is skipped; once
   * dispatched, the run cannot be interrupted, so the promise settles when it ends (the caller may
   * stop waiting sooner, but whatever counts concurrency must wait for this).
   */
  infer(inputs: readonly Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    let run: Promise<ort.InferenceSession.ReturnType>;
    try {
      if (this.closing) throw new RunnerClosedError(this.ref);
      if (options.aborted ?? options.signal?.aborted) throw new RunSkippedError(this.ref);
      if (!options.inputsChecked) validateInputs(inputs, this.inputs);
      const feeds: Record<string, ort.Tensor> = {};
      for (const tensor of inputs) feeds[tensor.name] = toOrtTensor(tensor);
      run = this.session.run(feeds);
    } catch (error) {
      return Promise.reject(error);
    }
    // One `then` (not an async function) for every run: it leaves `inFlight` either way.
    const entry = this.inFlight.add(run);
    return run.then(
      (result) => {
        this.inFlight.remove(entry);
        return this.outputs.map((meta) => fromOrtTensor(meta, result[meta.name]));
      },
      (error: unknown) => {
        this.inFlight.remove(entry);
        throw error;
      },
    );
  }

  /** Refuses new requests, lets running ones finish, then frees the session. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled(this.inFlight.values());
      await this.session.release();
    })();
    return this.closing;
  }
}

/**
 * The artifact's bytes after its digest is checked again, refusing models with external data:
 * external files are not covered by the artifact sha256.
 */
export async function readServableModel(options: OnnxRunnerOptions): Promise<Uint8Array> {
  const bytes = await readVerifiedArtifact(options.path, options.sha256, options.ref);
  let external: string | undefined;
  try {
    external = findExternalTensor(bytes);
  } catch (error) {
    // The scan parses the protobuf: bytes it cannot parse are no model a session could be made of.
    const reason = error instanceof Error ? error.message : String(error);
    throw new SessionCreateError(options.ref, `the artifact is not a valid ONNX model (${reason})`);
  }
  if (external !== undefined) {
    throw new Error(
      `${options.ref}: tensor '${external}' keeps its data in an external file; only self-contained ONNX ` +
        'files are served, because external files are not covered by the artifact sha256',
    );
  }
  return bytes;
}

/**
 * A replica hosts many sessions and runs requests concurrently on libuv's pool, so each session gets
 * a small, fixed thread budget rather than one thread per core that would oversubscribe the CPU.
 */
function sessionOptions(intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Warnings only: ORT's info logs go to stderr and would bypass the structured logger.
    logSeverityLevel: 2,
  };
}
