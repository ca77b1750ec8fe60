import type { InferRequest } from '@modelplane/schemas';
import type { TensorMeta } from '../backends/types.ts';
import { InvalidInputError } from '../errors.ts';
import { elementCount, formatShape, indexPath, readNested, shapeFits } from '../protocol/tensor.ts';
import { type Issue, issueFromMessage, MAX_ISSUES } from './issues.ts';

function dataIssue(input: InferRequest['inputs'][number], meta: TensorMeta, field: string): Issue | null {
  try {
    const { data } = readNested(input.data, meta.datatype, indexPath(`${field}.data`));
    const expected = elementCount(input.shape);
    if (data.length === expected) return null;
    return {
      path: `${field}.data`,
      message: `shape ${formatShape(input.shape)} needs ${expected} elements, got ${data.length}`,
    };
  } catch (error) {
    if (error instanceof InvalidInputError) return issueFromMessage(error.message);
    throw error;
  }
}

/**
 * Every problem of an OIP request's tensors against the model's signature (names, datatypes,
 * shapes, element counts and element types), where the decoder stops at the first. Only run once
 * decoding has failed, so a valid request pays for one pass, not two.
 */
export function inferInputIssues(inputs: InferRequest['inputs'], metas: readonly TensorMeta[]): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, i) => {
    const field = `inputs[${i}]`;
    const meta = metas.find((m) => m.name === input.name);
    if (!meta) {
      issues.push({ path: `${field}.name`, message: `the model has no input "${input.name}"` });
      return;
    }
    if (seen.has(input.name)) {
      issues.push({ path: `${field}.name`, message: `input "${input.name}" appears twice` });
      return;
    }
    seen.add(input.name);
    if (input.datatype !== meta.datatype) {
      issues.push({
        path: `${field}.datatype`,
        message: `input "${meta.name}" is ${meta.datatype}, got ${input.datatype}`,
      });
    }
    if (!shapeFits(input.shape, meta)) {
      issues.push({
        path: `${field}.shape`,
        message: `shape ${formatShape(input.shape)} does not match input "${meta.name}" ${formatShape(meta.shape)}`,
      });
    }
    const data = dataIssue(input, meta, field);
    if (data) issues.push(data);
  });
  for (const meta of metas) {
    if (!seen.has(meta.name)) issues.push({ path: 'inputs', message: `missing input "${meta.name}"` });
  }
  return issues.slice(0, MAX_ISSUES);
}
