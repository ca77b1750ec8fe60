import { DomainError } from '@modelplane/schemas';
import type { FastifyBaseLogger } from 'fastify';
import { Batcher, batcherFor } from '../backends/batcher.ts';
import { RunSkippedError } from '../backends/onnx-runner.ts';
import type { BackendStats } from '../backends/stats.ts';
import type { ModelRunner, Tensor } from '../backends/types.ts';
import { type Expiry, watchDeadline } from '../deadline-clock.ts';
import { type Problem, UnavailableError } from '../errors.ts';
import type { Admission } from '../overload/admission.ts';
import type { VersionConfig } from '../routing/types.ts';

/** What the execution step runs under: per-version admission, the global deadline cap, telemetry. */
export interface ExecutionDeps {
  admission?: Admission;
  /** No inference runs longer than this, whatever the client or the version asks; default 30 s. */
  maxDeadlineMs: number;
  stats?: BackendStats;
}

export const DEFAULT_MAX_DEADLINE_MS = 30_000;

/** One request's deadline: its length, and when (performance.now()) it expires. */
export interface Deadline {
  ms: number;
  at: number;
}

/**
 * The request's deadline: the smallest of the client's `x-request-timeout-ms`, the assigned
 * version's `deadlineMs` and the global maximum, counted from when the request started.
 */
export function requestDeadline(
  clientMs: number | undefined,
  version: VersionConfig,
  execution: ExecutionDeps | undefined,
  startedAt: number,
): Deadline {
  const ms = Math.min(
    clientMs ?? Number.POSITIVE_INFINITY,
    version.servingOptions.deadlineMs ?? Number.POSITIVE_INFINITY,
    execution?.maxDeadlineMs ?? DEFAULT_MAX_DEADLINE_MS,
  );
  return { ms, at: startedAt + ms };
}

export type InferenceResult = { ok: true; outputs: Tensor[] } | { ok: false; problem: Problem };

/**
 * The execution step: takes an admission slot for the version, then runs the model (batched when
 * the version asks for it) under the request's deadline, which also bounds the queue wait and is
 * propagated to remote backends. A deadline that expires gives 504 and aborts everything waiting;
 * domain errors (queue full, backend unavailable, bad gateway) pass through; anything else is
 * logged and answered with a generic 500.
 */
export function runInference(
  runner: ModelRunner,
  inputs: Tensor[],
  version: VersionConfig,
  log: FastifyBaseLogger,
  deadline: Deadline,
  execution: ExecutionDeps | undefined,
): Promise<InferenceResult> {
  if (deadline.at - performance.now() <= 0) return Promise.resolve(deadlineExceeded(deadline));
  // On the shared deadline clock: no AbortController or timer of its own (deadline-clock.ts).
  const expiry = watchDeadline(deadline.at);
  const admission = execution?.admission;
  // A free slot is taken synchronously; only a request that has to queue waits (in an async
  // function: its suspended frame is an allocation every request would pay otherwise).
  const admitted = admission?.tryEnter(version, expiry);
  if (admission && !admitted)
    return runQueued(admission, runner, inputs, version, log, deadline, execution, expiry);
  return finish(
    start(runner, inputs, version, expiry, execution, admitted ?? null),
    version,
    log,
    deadline,
    expiry,
  );
}

async function runQueued(
  admission: Admission,
  runner: ModelRunner,
  inputs: Tensor[],
  version: VersionConfig,
  log: FastifyBaseLogger,
  deadline: Deadline,
  execution: ExecutionDeps | undefined,
  expiry: Expiry,
): Promise<InferenceResult> {
  const admitted = await admission.enter(version, expiry);
  if (!admitted.ok) {
    expiry.cancel();
    return 'deadline' in admitted ? deadlineExceeded(deadline) : { ok: false, problem: admitted.problem };
  }
  return finish(start(runner, inputs, version, expiry, execution, admitted), version, log, deadline, expiry);
}

/**
 * Starts the run. The slot is held until the run itself ends: at the deadline the caller gets its
 * 504 at once, but an in-process run goes on inside the runtime and still takes a core, so it
 * still counts.
 */
function start(
  runner: ModelRunner,
  inputs: Tensor[],
  version: VersionConfig,
  expiry: Expiry,
  execution: ExecutionDeps | undefined,
  admitted: { release(): void } | null,
): Promise<Tensor[]> {
  let running: Promise<Tensor[]>;
  try {
    running = execute(runner, inputs, version, expiry, execution?.stats);
  } catch (error) {
    running = Promise.reject(error);
  }
  if (admitted) running.then(admitted.release, admitted.release);
  return running;
}

/** The run's outputs, or its problem: 504 once the deadline passes, whether or not the run ended. */
function finish(
  running: Promise<Tensor[]>,
  version: VersionConfig,
  log: FastifyBaseLogger,
  deadline: Deadline,
  expiry: Expiry,
): Promise<InferenceResult> {
  return expiry.race(running).then(
    (outputs): InferenceResult => {
      expiry.cancel();
      return { ok: true, outputs };
    },
    (error: unknown): InferenceResult => {
      const expired = expiry.aborted;
      expiry.cancel();
      if (expired) return deadlineExceeded(deadline);
      if (error instanceof DomainError) {
        const problem: Problem = { code: error.code, message: error.message };
        if (error instanceof UnavailableError) problem.retryAfterSeconds = error.retryAfterSeconds;
        return { ok: false, problem };
      }
      log.error({ version: version.ref, err: error }, 'inference failed');
      return { ok: false, problem: { code: 'INTERNAL', message: 'inference failed' } };
    },
  );
}

function execute(
  runner: ModelRunner,
  inputs: Tensor[],
  version: VersionConfig,
  expiry: Expiry,
  stats: BackendStats | undefined,
): Promise<Tensor[]> {
  const { maxBatchSize, maxDelayMs } = version.servingOptions;
  const deadlineAt = expiry.at;
  let running: Promise<Tensor[]>;
  if (maxBatchSize !== undefined && maxBatchSize > 1 && Batcher.supports(runner)) {
    running = batcherFor(runner, version.ref, stats).infer(
      inputs,
      { maxBatchSize, maxDelayMs: maxDelayMs ?? 0 },
      { signal: expiry.signal, deadlineAt },
    );
  } else {
    // The expiry is the call's options: in-process runners read `aborted`, remote ones `signal`,
    // so an AbortSignal is made only for a call that waits on one.
    running = runner.infer(inputs, expiry);
  }
  // Remote backends time each HTTP attempt themselves; in-process runs are timed here.
  if (!stats || version.backend.kind !== 'onnx') return running;
  const started = performance.now();
  const record = (outcome: 'ok' | 'error' | 'skipped') =>
    stats.recordRun({ version: version.ref, outcome, latencyMs: performance.now() - started });
  running.then(
    () => record('ok'),
    (error: unknown) => record(error instanceof RunSkippedError ? 'skipped' : 'error'),
  );
  return running;
}

function deadlineExceeded(deadline: Deadline): InferenceResult {
  return {
    ok: false,
    problem: { code: 'DEADLINE_EXCEEDED', message: `inference exceeded the ${deadline.ms} ms deadline` },
  };
}
