import type { ValidateFunction } from '@modelplane/json-schema';
import type { Tensor } from '../backends/types.ts';
import { encodeColumnar, encodePredictions } from '../protocol/tfserving-tensors.ts';
import { ajvIssues, instancePaths } from './ajv-issues.ts';
import { type Issue, MAX_ISSUES } from './issues.ts';

/**
 * Checks outputs against a version's output schema, which describes one prediction as the
 * row-format response shows it (the output's value, or an object of output name to value when
 * there are several). Outputs that are not batched are checked as the columnar response shows them.
 */
export function outputIssues(validate: ValidateFunction, outputs: readonly Tensor[]): Issue[] {
  const batch = outputs[0]?.shape[0];
  const batched = batch !== undefined && outputs.every((t) => t.shape.length > 0 && t.shape[0] === batch);
  if (!batched) {
    return validate(encodeColumnar(outputs))
      ? []
      : ajvIssues(validate.errors ?? [], instancePaths('outputs', 'field'));
  }
  const issues: Issue[] = [];
  encodePredictions(outputs, batch).forEach((prediction, i) => {
    if (issues.length < MAX_ISSUES && !validate(prediction)) {
      issues.push(...ajvIssues(validate.errors ?? [], instancePaths(`predictions[${i}]`, 'field')));
    }
  });
  return issues.slice(0, MAX_ISSUES);
}
