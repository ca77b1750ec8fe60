import type { ModelRunner } from '../backends/types.ts';
import type { Problem } from '../errors.ts';
import type { ModelTable, VersionConfig } from '../routing/types.ts';
import { acquireRunner } from './acquire.ts';
import { cacheOrRun, type Served } from './cache-or-run.ts';
import { type Deadline, requestDeadline } from './execute.ts';
import { resolveTarget, type Target } from './target.ts';
import type { Outcome, PipelineDeps, PredictionRequest, ServedFrom } from './types.ts';
import { validateInput } from './validate.ts';

/** Failures of the assigned version's backend that the baseline may answer instead. */
const FALLBACK_CODES = new Set<Problem['code']>([
  'UNAVAILABLE',
  'VERSION_LOAD_FAILED',
  'BAD_GATEWAY',
  'INTERNAL',
  'TOO_MANY_REQUESTS',
]);

const INTERNAL: Problem = { code: 'INTERNAL', message: 'internal error' };

/**
 * The one path every prediction takes, whatever its protocol: resolve the target version → serve
 * it (its runner, input validated for it, then the cache or the model) → on a backend failure,
 * serve the baseline instead when the version opts in. Expected failures are part of the outcome,
 * not exceptions (the hot path); an unexpected one is logged and becomes a generic 500.
 */
export async function runPrediction<B, R>(
  deps: PipelineDeps,
  request: PredictionRequest<B, R>,
): Promise<Outcome<R>> {
  // A try around the whole path, not a `.catch` on its promise: one promise step fewer per request.
  try {
    const target = resolveTarget(request.snapshot, request.model, request.pin, request.routingKey);
    if (!target.ok) return settle(request, null, null, null, null, target.problem);
    const { table, version } = target;
    // One deadline for the whole request, fallback included.
    const deadline = requestDeadline(request.clientDeadlineMs, version, deps.execution, request.startedAt);
    const served = await serve(deps, request, table, version, deadline, true);
    if (served.ok) return settle(request, target, served, served, served.servedFrom, null);
    const baseline = fallbackFor(table, version, served.problem);
    if (baseline) {
      // The same stage as the assigned version's, for the baseline, within what is left of the deadline.
      const rescued = await serve(deps, request, table, baseline, deadline, false);
      if (rescued.ok) {
        request.log.warn(
          { assigned: version.ref, served: baseline.ref, reason: served.problem.code },
          'served by fallback',
        );
        // It keeps the assigned version's cache key and input hash: that is what was looked up.
        return settle(request, target, served, rescued, 'fallback', null);
      }
    }
    return settle(request, target, served, null, null, served.problem);
  } catch (error) {
    request.log.error({ err: error }, 'request failed');
    return settle(request, null, null, null, null, INTERNAL);
  }
}

/**
 * Serves the request from one version: waits (within the deadline) for its runner, validates and
 * decodes the input for it, then reads the cache or runs the model. `cacheable` is false for a
 * fallback: its answer is neither read from nor written to the cache. Not an async function: a
 * loaded version (the usual case) is served without a suspended frame or an await of its own.
 */
function serve<B, R>(
  deps: PipelineDeps,
  request: PredictionRequest<B, R>,
  table: ModelTable,
  version: VersionConfig,
  deadline: Deadline,
  cacheable: boolean,
): Promise<Served<R>> {
  const state = deps.backends.state(version.id);
  if (state.status === 'ready')
    return serveWith(deps, request, table, version, deadline, cacheable, state.runner);
  const waitMs = Math.min(deps.loadWaitMs, deadline.at - performance.now());
  return acquireRunner(deps.backends, version, waitMs, request.log).then((acquired) =>
    acquired.ok
      ? serveWith(deps, request, table, version, deadline, cacheable, acquired.runner)
      : { ok: false, problem: acquired.problem, inputHash: null, cacheKey: null },
  );
}

function serveWith<B, R>(
  deps: PipelineDeps,
  request: PredictionRequest<B, R>,
  table: ModelTable,
  version: VersionConfig,
  deadline: Deadline,
  cacheable: boolean,
  runner: ModelRunner,
): Promise<Served<R>> {
  const validated = validateInput(deps.validation, version, runner, request);
  if (!validated.ok) {
    return Promise.resolve({ ok: false, problem: validated.problem, inputHash: null, cacheKey: null });
  }
  const plan = {
    table,
    version,
    reply: validated.reply,
    runner,
    tensors: validated.tensors,
    deadline,
    cacheable,
  };
  return cacheOrRun(deps, request, plan);
}

/**
 * The baseline that answers instead of `assigned` after `problem`: only when that version opts in
 * (`fallbackToBaseline`), the failure is the backend's, and the table has another version as baseline.
 */
function fallbackFor(table: ModelTable, assigned: VersionConfig, problem: Problem): VersionConfig | null {
  if (!assigned.servingOptions.fallbackToBaseline || !FALLBACK_CODES.has(problem.code)) return null;
  const baselineId = table.revision?.baselineVersionId;
  const baseline = baselineId === undefined ? undefined : table.versions.get(baselineId);
  return baseline && baseline.id !== assigned.id ? baseline : null;
}

/** The request's one outcome object. */
function settle<R>(
  request: PredictionRequest<unknown, R>,
  target: (Target & { ok: true }) | null,
  lookup: { inputHash: string | null; cacheKey: string | null } | null,
  answer: (Served<R> & { ok: true }) | null,
  servedFrom: ServedFrom | null,
  problem: Problem | null,
): Outcome<R> {
  const table = target?.table ?? null;
  // Typed by hand: `problem` null goes with an answer, which the callers guarantee.
  return {
    model: request.model,
    problem,
    table,
    assigned: target?.version ?? null,
    served: answer?.version ?? null,
    outputs: answer?.outputs ?? null,
    servedFrom,
    reply: answer?.reply ?? null,
    routingKey: request.routingKey,
    revision: table?.revision?.number ?? null,
    sticky: request.routingKey !== undefined && target?.pinned === false,
    pinned: target?.pinned === true,
    inputHash: lookup?.inputHash ?? null,
    cacheKey: lookup?.cacheKey ?? null,
  } as Outcome<R>;
}
