import type { FastifyBaseLogger } from 'fastify';
import type { ModelRunner, Tensor } from '../backends/types.ts';
import { InvalidInputError, type Problem } from '../errors.ts';
import type { PredictionInput } from '../pipeline/types.ts';
import type { VersionConfig } from '../routing/types.ts';
import { validatorsOf } from './compile.ts';
import { instanceIssues } from './instances.ts';
import { type Issue, invalidInput, issueFromMessage } from './issues.ts';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './limits.ts';
import { outputIssues } from './output.ts';
import type { ValidationStats } from './stats.ts';
import { inferInputIssues } from './tensor-issues.ts';
import type { PredictionBody } from './types.ts';

/** What the pipeline's validation needs: the request limits and somewhere to count. */
export interface ValidationDeps {
  limits: RequestLimits;
  stats: ValidationStats;
}

/** The request's validated input tensors, or why it is refused (a return value: the hot path). */
export type Validated = { ok: true; tensors: Tensor[] } | { ok: false; problem: Problem };

function tooMany(path: string, count: number, limits: RequestLimits): Issue {
  return { path, message: `at most ${limits.maxInstances} instances per request, got ${count}` };
}

/** Rows beyond the instance limit, in tensors whose first dimension is the model's batch dimension. */
function batchIssues(
  tensors: readonly Tensor[],
  runner: ModelRunner,
  body: PredictionBody | undefined,
  limits: RequestLimits,
): Issue[] {
  const issues: Issue[] = [];
  for (const tensor of tensors) {
    const meta = runner.inputs.find((m) => m.name === tensor.name);
    const rows = tensor.shape[0] ?? 0;
    if (meta?.shape[0] !== -1 || rows <= limits.maxInstances) continue;
    const index = body?.protocol === 'oip' ? body.inputs.findIndex((i) => i.name === tensor.name) : -1;
    issues.push(tooMany(index >= 0 ? `inputs[${index}].shape` : `inputs.${tensor.name}`, rows, limits));
  }
  return issues;
}

/**
 * Validates one request against the version that will serve it, around the protocol's decoder:
 * the instance count and the version's input schema first (naming every failing field), then the
 * decoder (the tensor signature read from the model), then the batch size of what it produced.
 * A decoder failure on /v2 is re-checked in full, so that error names every failing tensor too.
 */
export function validateAndDecode(
  version: VersionConfig,
  runner: ModelRunner,
  body: PredictionBody | undefined,
  decode: () => Tensor[],
  limits: RequestLimits,
): Validated {
  if (body?.protocol === 'tfserving') {
    const instances = body.body.instances;
    if (instances !== undefined && instances.length > limits.maxInstances) {
      return { ok: false, problem: invalidInput([tooMany('instances', instances.length, limits)]) };
    }
    const { input } = validatorsOf(version);
    const issues = input ? instanceIssues(input, version, body.body, runner.inputs) : [];
    if (issues.length > 0) return { ok: false, problem: invalidInput(issues) };
  }
  let tensors: Tensor[];
  try {
    tensors = decode();
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const all = body?.protocol === 'oip' ? inferInputIssues(body.inputs, runner.inputs) : [];
    return { ok: false, problem: invalidInput(all.length > 0 ? all : [issueFromMessage(error.message)]) };
  }
  const issues = batchIssues(tensors, runner, body, limits);
  return issues.length > 0 ? { ok: false, problem: invalidInput(issues) } : { ok: true, tensors };
}

/** The pipeline's validation step: {@link validateAndDecode} for the serving version, counted per version. */
export function validateRequest(
  deps: ValidationDeps | undefined,
  version: VersionConfig,
  runner: ModelRunner,
  input: PredictionInput,
): Validated {
  const limits = deps?.limits ?? DEFAULT_REQUEST_LIMITS;
  const validated = validateAndDecode(
    version,
    runner,
    input.body,
    () => input.decode(runner, version),
    limits,
  );
  if (!validated.ok) deps?.stats.count(version.ref, 'inputRejected');
  return validated;
}

/**
 * Optional output validation (`servingOptions.validateOutput` with an output schema): a mismatch
 * is a model bug, so it is counted and logged, and the response still goes out, but it is never
 * cached. Returns whether the outputs passed (true when the version does not ask for the check).
 */
export function acceptOutputs(
  deps: ValidationDeps | undefined,
  version: VersionConfig,
  outputs: readonly Tensor[],
  log: FastifyBaseLogger,
): boolean {
  if (!version.servingOptions.validateOutput) return true;
  const { output } = validatorsOf(version);
  if (output === null) return true;
  const issues = outputIssues(output, outputs);
  if (issues.length === 0) return true;
  deps?.stats.count(version.ref, 'outputInvalid');
  log.warn(
    { version: version.ref, issues: issues.slice(0, 5) },
    'model output does not match its output schema',
  );
  return false;
}
