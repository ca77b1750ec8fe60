import { DomainError } from '@modelplane/schemas';
import type { FastifyBaseLogger } from 'fastify';
import type { BackendManager, ModelRunner, Tensor } from '../backends/types.ts';
import { type Problem, UnavailableError } from '../errors.ts';
import type { VersionConfig } from '../routing/types.ts';

export type RunnerResult = { ok: true; runner: ModelRunner } | { ok: false; problem: Problem };

/**
 * The version's runner. A version that is not loaded yet (a pinned staging version, a fresh
 * canary) is loaded now; the request waits up to `waitMs` for it and otherwise gets 503 +
 * Retry-After while loading continues in the background.
 */
export async function acquireRunner(
  backends: BackendManager,
  version: VersionConfig,
  waitMs: number,
  log: FastifyBaseLogger,
): Promise<RunnerResult> {
  const state = backends.state(version.id);
  if (state.status === 'ready') return { ok: true, runner: state.runner };
  const loading = backends.ensureReady(version).then(
    (runner) => ({ runner }),
    (error: unknown) => ({ error }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), waitMs);
  });
  const outcome = await Promise.race([loading, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    return unavailable(`version ${version.ref} is loading`, 1);
  }
  if ('runner' in outcome) return { ok: true, runner: outcome.runner };
  log.warn({ version: version.ref, err: outcome.error }, 'version is not ready');
  // The backend knows when it will retry a failed load; its reason (paths, digests) stays in the log.
  const retryAfter = outcome.error instanceof UnavailableError ? outcome.error.retryAfterSeconds : 5;
  return unavailable(`version ${version.ref} is not ready`, retryAfter);
}

function unavailable(message: string, retryAfterSeconds: number): RunnerResult {
  return { ok: false, problem: { code: 'UNAVAILABLE', message, retryAfterSeconds } };
}

export type InferenceResult = { ok: true; outputs: Tensor[] } | { ok: false; problem: Problem };

/**
 * Runs the model under the version's deadline. Domain errors from the backend (queue full,
 * remote unavailable) pass through; anything else is logged and answered with a generic 500.
 */
export async function runInference(
  runner: ModelRunner,
  inputs: Tensor[],
  version: VersionConfig,
  log: FastifyBaseLogger,
): Promise<InferenceResult> {
  const deadlineMs = version.servingOptions.deadlineMs;
  const signal = deadlineMs === undefined ? undefined : AbortSignal.timeout(deadlineMs);
  try {
    const outputs = await runner.infer(inputs, signal ? { signal } : undefined);
    return { ok: true, outputs };
  } catch (error) {
    if (signal?.aborted) {
      return {
        ok: false,
        problem: { code: 'DEADLINE_EXCEEDED', message: `inference exceeded the ${deadlineMs} ms deadline` },
      };
    }
    if (error instanceof DomainError)
      return { ok: false, problem: { code: error.code, message: error.message } };
    log.error({ version: version.ref, err: error }, 'inference failed');
    return { ok: false, problem: { code: 'INTERNAL', message: 'inference failed' } };
  }
}
