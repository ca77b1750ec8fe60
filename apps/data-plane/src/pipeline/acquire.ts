import type { FastifyBaseLogger } from 'fastify';
import type { BackendManager, ModelRunner } from '../backends/types.ts';
import { VersionLoadFailedError } from '../backends/version-entry.ts';
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
    timer = setTimeout(() => resolve('timeout'), Math.max(0, waitMs));
  });
  const outcome = await Promise.race([loading, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    return unavailable(`version ${version.ref} is loading`, 1);
  }
  if ('runner' in outcome) return { ok: true, runner: outcome.runner };
  log.warn({ version: version.ref, err: outcome.error }, 'version is not ready');
  // A failed load says what happened, with a reason made safe for callers (see safeLoadReason).
  if (outcome.error instanceof VersionLoadFailedError) {
    const { message, retryAfterSeconds } = outcome.error;
    return { ok: false, problem: { code: 'VERSION_LOAD_FAILED', message, retryAfterSeconds } };
  }
  // The backend knows when it will retry; any other reason (paths, digests) stays in the log.
  const retryAfter = outcome.error instanceof UnavailableError ? outcome.error.retryAfterSeconds : 5;
  return unavailable(`version ${version.ref} is not ready`, retryAfter);
}

function unavailable(message: string, retryAfterSeconds: number): RunnerResult {
  return { ok: false, problem: { code: 'UNAVAILABLE', message, retryAfterSeconds } };
}
