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
  return run(runner, inputs, version, log, deadline, expiry, execution?.stats, admitted ?? null);
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
  return run(runner, inputs, version, log, deadline, expiry, execution?.stats, admitted);
}

/**
 * Starts the run and answers with its outputs or its problem, or with 504 as soon as the deadline
 * passes. The run itself cannot be stopped once dispatched: it goes on inside the runtime and still
 * takes a core, so its admission slot is held, and its time recorded, until it ends. One reaction
 * on the run does all of that: this is every prediction's path, and each promise step costs.
 */
function run(
  runner: ModelRunner,
  inputs: Tensor[],
  version: VersionConfig,
  log: FastifyBaseLogger,
  deadline: Deadline,
  expiry: Expiry,
  stats: BackendStats | undefined,
  admitted: { release(): void } | null,
): Promise<InferenceResult> {
  let running: Promise<Tensor[]>;
  try {
    running = execute(runner, inputs, version, expiry, stats);
  } catch (error) {
    running = Promise.reject(error);
  }
  // Remote backends time each HTTP attempt themselves; in-process runs are timed here.
  const timed = stats !== undefined && version.backend.kind === 'onnx';
  const started = timed ? performance.now() : 0;
  const ended = (outcome: 'ok' | 'error' | 'skipped') => {
    admitted?.release();
    if (timed) stats.recordRun({ version: version.ref, outcome, latencyMs: performance.now() - started });
  };
  return new Promise<InferenceResult>((resolve) => {
    // Leaves its listener for `cancel` to drop, which happens as soon as the run settles.
    expiry.addEventListener('abort', () => resolve(deadlineExceeded(deadline)));
    running.then(
      (outputs) => {
        ended('ok');
        expiry.cancel();
        resolve({ ok: true, outputs });
      },
      (error: unknown) => {
        ended(error instanceof RunSkippedError ? 'skipped' : 'error');
        // Past the deadline the caller already has its 504: a later failure is not its answer.
        const expired = expiry.aborted;
        expiry.cancel();
        if (!expired) resolve(runFailure(error, version, log));
      },
    );
  });
}

/** Domain errors (queue full, backend unavailable, bad gateway) pass through; anything else is a logged 500. */
function runFailure(error: unknown, version: VersionConfig, log: FastifyBaseLogger): InferenceResult {
  if (error instanceof DomainError) {
    const problem: Problem = { code: error.code, message: error.message };
    if (error instanceof UnavailableError) problem.retryAfterSeconds = error.retryAfterSeconds;
    return { ok: false, problem };
  }
  log.error({ version: version.ref, err: error }, 'inference failed');
  return { ok: false, problem: { code: 'INTERNAL', message: 'inference failed' } };
}

function execute(
  runner: ModelRunner,
  inputs: Tensor[],
  version: VersionConfig,
  expiry: Expiry,
  stats: BackendStats | undefined,
): Promise<Tensor[]> {
  const { maxBatchSize, maxDelayMs } = version.servingOptions;
  if (maxBatchSize !== undefined && maxBatchSize > 1 && Batcher.supports(runner)) {
    return batcherFor(runner, version.ref, stats).infer(
      inputs,
      { maxBatchSize, maxDelayMs: maxDelayMs ?? 0 },
      { signal: expiry.signal, deadlineAt: expiry.at },
    );
  }
  // The expiry is the call's options: in-process runners read `aborted`, remote ones `signal`,
  // so an AbortSignal is made only for a call that waits on one.
  return runner.infer(inputs, expiry);
}

function deadlineExceeded(deadline: Deadline): InferenceResult {
  return {
    ok: false,
    problem: { code: 'DEADLINE_EXCEEDED', message: `inference exceeded the ${deadline.ms} ms deadline` },
  };
}
