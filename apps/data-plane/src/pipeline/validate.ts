import type { FastifyBaseLogger } from 'fastify';
import type { ModelRunner, Tensor } from '../backends/types.ts';
import type { Problem } from '../errors.ts';
import type { VersionConfig } from '../routing/types.ts';
import { validatorsOf } from '../validation/compile.ts';
import { invalidInput } from '../validation/issues.ts';
import { DEFAULT_REQUEST_LIMITS } from '../validation/limits.ts';
import { outputIssues } from '../validation/output.ts';
import type { PredictionRequest, ValidationDeps } from './types.ts';

/** The request's input tensors for one version, or why it is refused (a return value: the hot path). */
export type Validated<R> = { ok: true; tensors: Tensor[]; reply: R } | { ok: false; problem: Problem };

/**
 * The validation stage: the protocol decodes the body for the version that will serve it, which
 * checks it against that version's input schema, its tensor signature and the instance limit,
 * naming every failing field. A refusal is counted per version; invalid input never reaches a backend.
 */
export function validateInput<B, R>(
  deps: ValidationDeps | undefined,
  version: VersionConfig,
  runner: ModelRunner,
  request: PredictionRequest<B, R>,
): Validated<R> {
  const decoded = request.codec.decode(request.body, version, runner, deps?.limits ?? DEFAULT_REQUEST_LIMITS);
  if (decoded.ok) return decoded;
  deps?.stats.count(version.ref, 'inputRejected');
  return { ok: false, problem: invalidInput(decoded.issues) };
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
