import type { InferRequest, InferResponseOutput } from '@modelplane/schemas';
import type { Tensor, TensorMeta } from '../backends/types.ts';
import { InvalidInputError } from '../errors.ts';
import { assertShapeFits, elementCount, formatShape, indexPath, readNested } from './tensor.ts';

/**
 * Decodes OIP request tensors against the runner's inputs: each model input exactly once, the
 * declared datatype, and `data` (nested or flat) holding exactly as many elements as `shape` says.
 */
export function decodeInferInputs(inputs: InferRequest['inputs'], metas: readonly TensorMeta[]): Tensor[] {
  const seen = new Set<string>();
  const tensors = inputs.map((input, i): Tensor => {
    const field = `inputs[${i}]`;
    const meta = metas.find((m) => m.name === input.name);
    if (!meta) {
      throw new InvalidInputError(`${field}.name: the model has no input "${input.name}"`, {
        expected: metas.map((m) => m.name),
      });
    }
    if (seen.has(input.name))
      throw new InvalidInputError(`${field}.name: input "${input.name}" appears twice`);
    seen.add(input.name);
    if (input.datatype !== meta.datatype) {
      throw new InvalidInputError(
        `${field}.datatype: input "${meta.name}" is ${meta.datatype}, got ${input.datatype}`,
      );
    }
    const { data } = readNested(input.data, meta.datatype, indexPath(`${field}.data`));
    const expected = elementCount(input.shape);
    if (data.length !== expected) {
      throw new InvalidInputError(
        `${field}.data: shape ${formatShape(input.shape)} needs ${expected} elements, got ${data.length}`,
      );
    }
    assertShapeFits(input.shape, meta, `${field}.shape`);
    return { name: meta.name, datatype: meta.datatype, shape: [...input.shape], data };
  });
  for (const meta of metas) {
    if (!seen.has(meta.name)) throw new InvalidInputError(`inputs: missing input "${meta.name}"`);
  }
  return tensors;
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
