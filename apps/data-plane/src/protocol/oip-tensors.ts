import type { InferRequest, InferResponseOutput } from '@modelplane/schemas';
import type { Tensor, TensorMeta } from '../backends/types.ts';
import { InvalidInputError } from '../errors.ts';
import { type Issue, issueFromMessage, MAX_ISSUES } from '../validation/issues.ts';
import { elementCount, formatShape, indexPath, readNested, shapeFits } from './tensor.ts';

/**
 * Decodes OIP request tensors against the runner's inputs: each model input exactly once, the
 * declared datatype, a shape that fits, and `data` (nested or flat) holding exactly as many valid
 * elements as `shape` says. Every failing tensor is named, not only the first.
 */
export function decodeInferInputs(
  inputs: InferRequest['inputs'],
  metas: readonly TensorMeta[],
): { ok: true; tensors: Tensor[] } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  const tensors: Tensor[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < inputs.length && issues.length < MAX_ISSUES; i++) {
    const input = inputs[i] as InferRequest['inputs'][number];
    const field = `inputs[${i}]`;
    const meta = metas.find((m) => m.name === input.name);
    if (!meta) {
      issues.push({ path: `${field}.name`, message: `the model has no input "${input.name}"` });
      continue;
    }
    if (seen.has(input.name)) {
      issues.push({ path: `${field}.name`, message: `input "${input.name}" appears twice` });
      continue;
    }
    seen.add(input.name);
    const before = issues.length;
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
    const data = readData(input, meta, field, issues);
    if (data !== null && issues.length === before) {
      tensors.push({ name: meta.name, datatype: meta.datatype, shape: [...input.shape], data });
    }
  }
  for (const meta of metas) {
    if (!seen.has(meta.name)) issues.push({ path: 'inputs', message: `missing input "${meta.name}"` });
  }
  return issues.length > 0 ? { ok: false, issues: issues.slice(0, MAX_ISSUES) } : { ok: true, tensors };
}

/** The tensor's elements, or null with the issue added: a bad element, or a count the shape does not need. */
function readData(
  input: InferRequest['inputs'][number],
  meta: TensorMeta,
  field: string,
  issues: Issue[],
): Tensor['data'] | null {
  let data: Tensor['data'];
  try {
    data = readNested(input.data, meta.datatype, indexPath(`${field}.data`)).data;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    issues.push(issueFromMessage(error.message));
    return null;
  }
  const expected = elementCount(input.shape);
  if (data.length === expected) return data;
  issues.push({
    path: `${field}.data`,
    message: `shape ${formatShape(input.shape)} needs ${expected} elements, got ${data.length}`,
  });
  return null;
}

/** The output names to return: the requested ones in request order, or every output when none are. */
export function selectOutputs(
  requested: InferRequest['outputs'],
  metas: readonly TensorMeta[],
): readonly string[] | null {
  if (!requested || requested.length === 0) return null;
  return requested.map((output, i) => {
    if (!metas.some((m) => m.name === output.name)) {
      throw new InvalidInputError(`outputs[${i}].name: the model has no output "${output.name}"`, {
        expected: metas.map((m) => m.name),
      });
    }
    return output.name;
  });
}

/** OIP response tensors with flat row-major data, filtered to `names` when given. */
export function encodeInferOutputs(
  outputs: readonly Tensor[],
  names: readonly string[] | null,
): InferResponseOutput[] {
  const chosen = names ? names.map((n) => outputs.find((t) => t.name === n)) : outputs;
  return chosen.map((t) => {
    if (!t) throw new Error('the runner did not return a requested output');
    return { name: t.name, datatype: t.datatype, shape: t.shape, data: t.data };
  });
}
