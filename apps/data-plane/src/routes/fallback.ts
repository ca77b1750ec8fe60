import type { Problem } from '../errors.ts';
import type { PipelineDeps } from '../pipeline/predict-pipeline.ts';
import type { PredictionInput, PredictionRecord, PredictionResult } from '../pipeline/types.ts';
import type { ModelTable, VersionConfig } from '../routing/types.ts';
import { acceptOutputs, validateRequest } from '../validation/stage.ts';
import { acquireRunner, type Deadline, runInference } from './runner.ts';

/** Failures of the assigned version's backend that the baseline may answer instead. */
const FALLBACK_CODES = new Set<Problem['code']>([
  'UNAVAILABLE',
  'VERSION_LOAD_FAILED',
  'BAD_GATEWAY',
  'INTERNAL',
  'TOO_MANY_REQUESTS',
]);

/**
 * The assigned version failed with `problem`. When that version opts in (`fallbackToBaseline`)
 * and the table has another version as baseline, the baseline serves the request within what is
 * left of the same deadline: the result names the baseline as served and `servedFrom` is
 * 'fallback', which the cache never stores. Otherwise the original failure stands.
 */
export async function failOrFallback(
  deps: PipelineDeps,
  input: PredictionInput,
  record: PredictionRecord,
  table: ModelTable,
  assigned: VersionConfig,
  problem: Problem,
  deadline: Deadline,
): Promise<PredictionResult> {
  const failure: PredictionResult = { ok: false, problem, table, assigned };
  const baselineId = table.revision?.baselineVersionId;
  const baseline = baselineId === undefined ? undefined : table.versions.get(baselineId);
  if (!assigned.servingOptions.fallbackToBaseline || !FALLBACK_CODES.has(problem.code)) return failure;
  if (!baseline || baseline.id === assigned.id) return failure;
  const waitMs = Math.min(deps.loadWaitMs, deadline.at - performance.now());
  const acquired = await acquireRunner(deps.backends, baseline, waitMs, input.log);
  if (!acquired.ok) return failure;
  // Validated against the baseline's own signature and schema, since the baseline is what would serve
  // it; input the baseline does not accept leaves the original failure standing.
  const validated = validateRequest(deps.validation, baseline, acquired.runner, input);
  if (!validated.ok) return failure;
  const result = await runInference(acquired.runner, validated.tensors, baseline, input.log, {
    deadline,
    ...(deps.execution && { execution: deps.execution }),
  });
  if (!result.ok) return failure;
  // Counted and logged like any output check; a fallback response is never cached either way.
  acceptOutputs(deps.validation, baseline, result.outputs, input.log);
  input.log.warn(
    { assigned: assigned.ref, served: baseline.ref, reason: problem.code },
    'served by fallback',
  );
  record.servedVersion = baseline.ref;
  record.servedFrom = 'fallback';
  return { ok: true, table, assigned, served: baseline, outputs: result.outputs, servedFrom: 'fallback' };
}
