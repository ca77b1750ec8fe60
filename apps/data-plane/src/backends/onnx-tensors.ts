import * as ort from 'onnxruntime-node';
import { InvalidInputError } from '../errors.ts';
import { elementProblem } from '../protocol/tensor.ts';
import type { Datatype, Tensor, TensorMeta } from './types.ts';

type OrtType = ort.Tensor.Type;

/** The tensor types this backend converts in both directions; anything else fails the load clearly. */
const ORT_TYPE_BY_DATATYPE: Partial<Record<Datatype, OrtType>> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP32: 'float32',
  FP64: 'float64',
  // OIP's BYTES carries text here: onnxruntime-node takes and returns STRING tensors as JS strings.
  BYTES: 'string',
};
const DATATYPE_BY_ORT_TYPE = new Map(
  Object.entries(ORT_TYPE_BY_DATATYPE).map(([datatype, type]) => [type, datatype as Datatype]),
);

/** Describes a model input or output from the session; symbolic or unknown dims become -1. */
export function toTensorMeta(meta: ort.InferenceSession.ValueMetadata): TensorMeta {
  if (!meta.isTensor) throw new Error(`${meta.name} is not a tensor (sequences and maps are not supported)`);
  const datatype = DATATYPE_BY_ORT_TYPE.get(meta.type);
  if (!datatype) throw new Error(`${meta.name} has unsupported element type ${meta.type}`);
  const shape = meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
  return { name: meta.name, datatype, shape };
}

/**
 * Checks request tensors against the model's inputs: every input present once, no unknown names,
 * the declared datatype, the declared rank and fixed dims, data length matching the shape, and
 * element values that fit the datatype. Throws INVALID_INPUT naming the tensor.
 */
export function validateInputs(inputs: readonly Tensor[], metas: readonly TensorMeta[]): void {
  const byName = new Map(metas.map((m) => [m.name, m]));
  const seen = new Set<string>();
  for (const tensor of inputs) {
    const meta = byName.get(tensor.name);
    if (!meta) {
      throw new InvalidInputError(
        `unknown input tensor '${tensor.name}'; the model expects ${metas.map((m) => `'${m.name}'`).join(', ')}`,
      );
    }
    if (seen.has(tensor.name)) throw new InvalidInputError(`input tensor '${tensor.name}' is given twice`);
    seen.add(tensor.name);
    validateTensor(tensor, meta);
  }
  const missing = metas.filter((m) => !seen.has(m.name));
  if (missing.length) throw new InvalidInputError(`missing input tensor '${missing[0]?.name}'`);
}

function validateTensor(tensor: Tensor, meta: TensorMeta): void {
  const where = `input tensor '${tensor.name}'`;
  if (tensor.datatype !== meta.datatype) {
    throw new InvalidInputError(`${where} must be ${meta.datatype}, got ${tensor.datatype}`);
  }
  const shapeOk =
    tensor.shape.length === meta.shape.length &&
    tensor.shape.every(
      (d, i) => Number.isSafeInteger(d) && d >= 0 && (meta.shape[i] === -1 || d === meta.shape[i]),
    );
  if (!shapeOk) {
    throw new InvalidInputError(
      `${where} has shape [${tensor.shape}], the model expects [${meta.shape}] (-1: any size)`,
    );
  }
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== count) {
    throw new InvalidInputError(
      `${where} has ${tensor.data.length} elements, shape [${tensor.shape}] needs ${count}`,
    );
  }
  for (let i = 0; i < tensor.data.length; i++) {
    const problem = elementProblem(tensor.data[i], meta.datatype);
    if (problem !== null) throw new InvalidInputError(`${where}, element ${i}: ${problem}`);
  }
}

/** A validated request tensor as an ort.Tensor of the model's element type. */
export function toOrtTensor(tensor: Tensor): ort.Tensor {
  const dims = tensor.shape;
  const data = tensor.data as number[];
  switch (tensor.datatype) {
    case 'FP32':
      return new ort.Tensor('float32', Float32Array.from(data), dims);
    case 'FP64':
      return new ort.Tensor('float64', Float64Array.from(data), dims);
    case 'INT32':
      return new ort.Tensor('int32', Int32Array.from(data), dims);
    case 'INT16':
      return new ort.Tensor('int16', Int16Array.from(data), dims);
    case 'INT8':
      return new ort.Tensor('int8', Int8Array.from(data), dims);
    case 'UINT8':
      return new ort.Tensor('uint8', Uint8Array.from(data), dims);
    case 'INT64':
      return new ort.Tensor(
        'int64',
        BigInt64Array.from(data, (v) => BigInt(v)),
        dims,
      );
    case 'BOOL':
      return new ort.Tensor(
        'bool',
        Uint8Array.from(tensor.data as boolean[], (v) => (v ? 1 : 0)),
        dims,
      );
    case 'BYTES':
      return new ort.Tensor('string', [...(tensor.data as string[])], dims);
    default:
      throw new InvalidInputError(
        `input tensor '${tensor.name}' has unsupported datatype ${tensor.datatype}`,
      );
  }
}

/** An output as a flat Tensor; INT64 values become numbers, and any beyond 2^53 fail rather than round. */
export function fromOrtTensor(
  meta: TensorMeta,
  value: Pick<ort.Tensor, 'type' | 'dims' | 'data'> | undefined,
): Tensor {
  if (!value) throw new Error(`the model returned no output '${meta.name}'`);
  const shape = [...value.dims];
  const { data } = value;
  const datatype = DATATYPE_BY_ORT_TYPE.get(value.type) ?? meta.datatype;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const numbers: number[] = [];
    for (let i = 0; i < data.length; i++) {
      const n = Number(data[i]);
      if (!Number.isSafeInteger(n)) {
        throw new Error(
          `output '${meta.name}' has an INT64 value beyond ±2^53, which JSON numbers cannot carry`,
        );
      }
      numbers.push(n);
    }
    return { name: meta.name, datatype, shape, data: numbers };
  }
  if (value.type === 'string') {
    return { name: meta.name, datatype: 'BYTES', shape, data: Array.from(data as string[]) };
  }
  if (value.type === 'bool') {
    return { name: meta.name, datatype: 'BOOL', shape, data: Array.from(data as Uint8Array, (v) => v !== 0) };
  }
  return { name: meta.name, datatype, shape, data: plainNumbers(data as ArrayLike<number>) };
}

/**
 * A typed array's values as a plain array, by index (Array.from walks a typed array's iterator).
 * Grown by `push`, not written into `new Array(length)`: that one is "holey", and JSON.stringify
 * (the OIP answer, the Redis tier) reads every element of a holey array through a slow generic
 * lookup. Measured with callgrind: 8.6 k instructions more per recs response with holey arrays.
 */
function plainNumbers(data: ArrayLike<number>): number[] {
  const numbers: number[] = [];
  for (let i = 0; i < data.length; i++) numbers.push(data[i] as number);
  return numbers;
}

/** Zeros of the declared shape with every variable dim set to 1: the warm-up request. */
export function zerosFor(meta: TensorMeta): Tensor {
  const shape = meta.shape.map((d) => (d === -1 ? 1 : d));
  const count = shape.reduce((a, b) => a * b, 1);
  const data =
    meta.datatype === 'BOOL'
      ? new Array<boolean>(count).fill(false)
      : meta.datatype === 'BYTES'
        ? new Array<string>(count).fill('')
        : new Array<number>(count).fill(0);
  return { name: meta.name, datatype: meta.datatype, shape, data };
}
