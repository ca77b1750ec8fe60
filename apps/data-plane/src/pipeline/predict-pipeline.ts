import type { BackendManager, Tensor } from '../backends/types.ts';
import type { PredictionCache } from '../cache/prediction-cache.ts';
import { withCache } from '../cache/stage.ts';
import { failOrFallback } from '../routes/fallback.ts';
import { acquireRunner, type ExecutionDeps, requestDeadline, runInference } from '../routes/runner.ts';
import { resolveTarget } from '../routes/target.ts';
import { acceptOutputs, type ValidationDeps, validateRequest } from '../validation/stage.ts';
import type { PredictionInput, PredictionRecord, PredictionResult } from './types.ts';

/** What the pipeline runs on; later stages (validation, cache, admission) join here. */
export interface PipelineDeps {
  backends: BackendManager;
  /** How long a request waits for a version that is still loading before it gets 503. */
  loadWaitMs: number;
  /** Admission bounds, the global deadline cap and backend telemetry (defaults when absent). */
  execution?: ExecutionDeps;
  /** Request limits and validation counters (defaults when absent). */
  validation?: ValidationDeps;
  /** The two-tier prediction cache; nothing is cached without it. */
  cache?: PredictionCache;
}

/**
 * The one path every prediction takes, whatever its protocol:
 * route → acquire the runner → validate and decode for that version → cache or run → outputs.
 * "No route" and other expected failures are return values, not exceptions (the hot path).
 */
export async function runPrediction(
  deps: PipelineDeps,
  input: PredictionInput,
  record: PredictionRecord,
): Promise<PredictionResult> {
  const target = resolveTarget(input.snapshot, input.model, input.pin, input.routingKey);
  if (!target.ok) return { ok: false, problem: target.problem };
  const { table, version } = target;
  record.assignedVersion = version.ref;
  record.revision = table.revision?.number ?? null;
  record.sticky = input.routingKey !== undefined && !target.pinned;
  record.pinned = target.pinned;

  // One deadline for the whole execution, fallback included (see routes/runner.ts).
  const deadline = requestDeadline(input.clientDeadlineMs, version, deps.execution, record.startedAt);
  const waitMs = Math.min(deps.loadWaitMs, deadline.at - performance.now());
  const acquired = await acquireRunner(deps.backends, version, waitMs, input.log);
  if (!acquired.ok) return failOrFallback(deps, input, record, table, version, acquired.problem, deadline);
  // Validated against the version that serves it; invalid input never reaches the backend.
  const validated = validateRequest(deps.validation, version, acquired.runner, input);
  if (!validated.ok) return { ok: false, problem: validated.problem, table, assigned: version };
  const { tensors } = validated;
  const accept = (outputs: readonly Tensor[]) => acceptOutputs(deps.validation, version, outputs, input.log);
  const stage = { table, version, tensors, bypass: input.bypassCache, record, log: input.log, accept };
  const result = await withCache(deps.cache, { ...stage, deadlineAt: deadline.at }, () =>
    runInference(acquired.runner, tensors, version, input.log, {
      deadline,
      ...(deps.execution && { execution: deps.execution }),
    }),
  );
  if (!result.ok) return failOrFallback(deps, input, record, table, version, result.problem, deadline);
  record.servedVersion = version.ref;
  record.servedFrom = result.servedFrom;
  return {
    ok: true,
    table,
    assigned: version,
    served: version,
    outputs: result.outputs,
    servedFrom: result.servedFrom,
  };
}

/** A fresh record for a request; the pipeline fills it in as it goes. */
export function newPredictionRecord(requestId: string, model: string): PredictionRecord {
  return {
    requestId,
    model,
    assignedVersion: null,
    servedVersion: null,
    revision: null,
    routingKey: undefined,
    sticky: false,
    servedFrom: null,
    inputHash: null,
    cacheKey: null,
    startedAt: performance.now(),
    errorCode: null,
  };
}
