import { elementCount, formatShape, indexPath, isPlainObject, readNested } from '../../protocol/tensor.ts';
import type { Datatype, Tensor, TensorMeta } from '../types.ts';
import { InvalidResponse } from './endpoint.ts';

const DATATYPES = new Set<Datatype>([
  'BOOL',
  'UINT8',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
]);

/** A datatype name from a backend, or InvalidResponse. */
export function checkDatatype(value: unknown, where: string): Datatype {
  if (typeof value !== 'string' || !DATATYPES.has(value as Datatype)) {
    throw new InvalidResponse(`${where} has an unknown datatype`);
  }
  return value as Datatype;
}

/** A shape from a backend's metadata: integers, -1 for variable dimensions. */
export function checkMetaShape(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || !value.every((d) => Number.isSafeInteger(d) && d >= -1)) {
    throw new InvalidResponse(`${where} has an invalid shape`);
  }
  return value as number[];
}

/**
 * Reads `value` (nested or flat) as a tensor of `meta`, rejecting non-finite numbers, values
 * outside the datatype, ragged lists, and shapes that do not fit the metadata or the batch size.
 * A model's declared outputs are the contract; a backend that breaks it gets a 502, not a crash.
 */
export function checkTensor(
  meta: TensorMeta,
  value: unknown,
  shape: readonly number[] | undefined,
  batch: number | undefined,
): Tensor {
  const where = `output '${meta.name}'`;
  let read: ReturnType<typeof readNested>;
  try {
    read = readNested(value, meta.datatype, indexPath(where));
  } catch (error) {
    throw new InvalidResponse((error as Error).message);
  }
  const finalShape = shape ? [...shape] : read.shape;
  if (elementCount(finalShape) !== read.data.length) {
    throw new InvalidResponse(`${where} has ${read.data.length} elements, shape ${formatShape(finalShape)}`);
  }
  const fits =
    finalShape.length === meta.shape.length &&
    finalShape.every(
      (d, i) => Number.isSafeInteger(d) && d >= 0 && (meta.shape[i] === -1 || d === meta.shape[i]),
    );
  if (!fits) {
    throw new InvalidResponse(
      `${where} has shape ${formatShape(finalShape)}, the model declares ${formatShape(meta.shape)}`,
    );
  }
  if (batch !== undefined && meta.shape[0] === -1 && finalShape[0] !== batch) {
    throw new InvalidResponse(`${where} has ${finalShape[0]} rows for a batch of ${batch}`);
  }
  return { name: meta.name, datatype: meta.datatype, shape: finalShape, data: read.data };
}

/** The OIP `outputs` list as Tensors in the model's output order; every declared output once. */
export function checkOipOutputs(
  body: unknown,
  metas: readonly TensorMeta[],
  batch: number | undefined,
): Tensor[] {
  if (!isPlainObject(body) || !Array.isArray(body.outputs)) {
    throw new InvalidResponse('the response has no outputs list');
  }
  const byName = new Map<string, Record<string, unknown>>();
  for (const output of body.outputs) {
    if (!isPlainObject(output) || typeof output.name !== 'string') {
      throw new InvalidResponse('an output has no name');
    }
    byName.set(output.name, output);
  }
  return metas.map((meta) => {
    const output = byName.get(meta.name);
    if (!output) throw new InvalidResponse(`output '${meta.name}' is missing`);
    if (checkDatatype(output.datatype, `output '${meta.name}'`) !== meta.datatype) {
      throw new InvalidResponse(`output '${meta.name}' is ${String(output.datatype)}, not ${meta.datatype}`);
    }
    const shape = checkMetaShape(output.shape, `output '${meta.name}'`);
    if (shape.some((d) => d < 0)) throw new InvalidResponse(`output '${meta.name}' has a negative dimension`);
    return checkTensor(meta, flatten(output.data), shape, batch);
  });
}

/** OIP allows nested or flat data; the declared shape decides, so flatten first. */
function flatten(data: unknown): unknown {
  return Array.isArray(data) && data.some(Array.isArray) ? (data as unknown[]).flat(Infinity) : data;
}
