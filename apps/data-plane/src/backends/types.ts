/** Tensor datatypes as the Open Inference Protocol names them. */
export type Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES';

export interface TensorMeta {
  name: string;
  datatype: Datatype;
  /** -1 marks a variable (symbolic) dimension; [] is a scalar. */
  shape: number[];
}

/** A named tensor: row-major flat data. INT64 values travel as JS numbers (exact up to 2^53). */
export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: number[] | boolean[] | string[];
}

/**
 * Per-call options: `signal` is the request's deadline; remote runners send `deadlineAt` on. The
 * pipeline passes its deadline (deadline-clock.ts), whose `signal` is made on first read: runners
 * that only ask whether the deadline passed read `aborted` instead, and no signal is made.
 */
export interface InferOptions {
  signal?: AbortSignal;
  /** True once the deadline passed (when given: else read `signal.aborted`). */
  readonly aborted?: boolean;
  /**
   * True when the caller already checked the inputs against this runner's signature (the pipeline's
   * validate stage): the runner skips its own check. Warm-up and direct callers leave it unset.
   */
  readonly inputsChecked?: boolean;
  /** performance.now() at which the request's deadline expires. */
  deadlineAt?: number;
}

/** A loaded, warmed model version that can run inference. */
export interface ModelRunner {
  readonly inputs: readonly TensorMeta[];
  readonly outputs: readonly TensorMeta[];
  /** Why the warm-up with zeros failed, when it did: the version serves anyway (a warning). */
  readonly warmupWarning?: string | null;
  /**
   * Runs one request. `signal` aborted before dispatch skips the run; after dispatch, remote runners
   * abandon the call, while in-process runs cannot be interrupted: their promise settles only when
   * the run ends, so admission can hold the request's slot until the work is really done.
   */
  infer(inputs: readonly Tensor[], options?: InferOptions): Promise<Tensor[]>;
  close(): Promise<void>;
}

export type VersionState =
  | { status: 'absent' }
  | { status: 'loading' }
  | { status: 'ready'; runner: ModelRunner }
  | { status: 'failed'; error: string };

/**
 * Owns every version's runner on this replica: loads artifacts (sha256-verified), creates and warms
 * sessions or remote clients, and reports per-version state so one broken version never takes the
 * replica down.
 */
export interface BackendManager {
  /** Loads and warms the version if needed; resolves when ready, rejects with the reason it cannot serve. */
  ensureReady(version: import('../routing/types.ts').VersionConfig): Promise<ModelRunner>;
  state(versionId: string): VersionState;
  /** Versions outside this set may be released after the idle grace period. */
  retain(versionIds: ReadonlySet<string>): void;
  close(): Promise<void>;
}

/** The logger surface the manager uses; pino satisfies it. */
export interface BackendLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
