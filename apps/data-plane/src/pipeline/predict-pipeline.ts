import type { BackendManager } from '../backends/types.ts';
import { acquireRunner, runInference } from '../routes/runner.ts';
import { resolveTarget } from '../routes/target.ts';
import type { PredictionInput, PredictionRecord, PredictionResult } from './types.ts';

/** What the pipeline runs on; later stages (validation, cache, admission) join here. */
export interface PipelineDeps {
  backends: BackendManager;
  /** How long a request waits for a version that is still loading before it gets 503. */
  loadWaitMs: number;
}

/**
 * The one path every prediction takes, whatever its protocol:
 * route → acquire the runner → decode for that version → run → outputs.
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

  const acquired = await acquireRunner(deps.backends, version, deps.loadWaitMs, input.log);
  if (!acquired.ok) return { ok: false, problem: acquired.problem, table, assigned: version };
  const tensors = input.decode(acquired.runner, version);
  const result = await runInference(acquired.runner, tensors, version, input.log);
  if (!result.ok) return { ok: false, problem: result.problem, table, assigned: version };
  record.servedVersion = version.ref;
  record.servedFrom = 'backend';
  return {
    ok: true,
    table,
    assigned: version,
    served: version,
    outputs: result.outputs,
    servedFrom: 'backend',
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
    startedAt: performance.now(),
    errorCode: null,
  };
}
