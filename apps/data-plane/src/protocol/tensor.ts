import type { Datatype, Tensor, TensorMeta } from '../backends/types.ts';
import { InvalidInputError } from '../errors.ts';

/** Turns the index path of an element into the field name an error message shows. */
export type PathFormatter = (indices: readonly number[]) => string;

/** `base[0][3]`: the default way to name an element of a nested list. */
export function indexPath(base: string): PathFormatter {
  return (indices) => base + indices.map((i) => `[${i}]`).join('');
}

const INT_RANGES: Partial<Record<Datatype, [number, number]>> = {
  UINT8: [0, 255],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Why `value` cannot be an element of a `datatype` tensor, or null when it can. */
export function elementProblem(value: unknown, datatype: Datatype): string | null {
  if (datatype === 'BOOL')
    return typeof value === 'boolean' ? null : `expected a boolean, got ${describe(value)}`;
  if (datatype === 'BYTES')
    return typeof value === 'string' ? null : `expected a string, got ${describe(value)}`;
  if (typeof value !== 'number' || !Number.isFinite(value))
    return `expected a number, got ${describe(value)}`;
  const range = INT_RANGES[datatype];
  if (range === undefined) return null;
  if (!Number.isInteger(value)) return `expected an integer (${datatype}), got ${value}`;
  if (value < range[0] || value > range[1]) return `${value} is out of range for ${datatype}`;
  return null;
}

/** A short, safe description of a JSON value for error messages (never echoes long strings). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/**
 * Reads a (possibly nested) JSON list as a row-major tensor: infers the shape from the first
 * element at each depth, rejects ragged lists and checks every element against `datatype`.
 * A non-list value is a scalar (shape []).
 */
export function readNested(
  value: unknown,
  datatype: Datatype,
  path: PathFormatter,
): { shape: number[]; data: Tensor['data'] } {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const data: unknown[] = [];
  const indices: number[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw new InvalidInputError(`${path(indices)}: nested lists must be rectangular`);
      const problem = elementProblem(v, datatype);
      if (problem !== null) throw new InvalidInputError(`${path(indices)}: ${problem}`);
      data.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new InvalidInputError(
        `${path(indices)}: expected a list of ${shape[depth]} (nested lists must be rectangular)`,
      );
    }
    for (let i = 0; i < v.length; i++) {
      indices.push(i);
      walk(v[i], depth + 1);
      indices.pop();
    }
  };
  walk(value, 0);
  return { shape, data: data as Tensor['data'] };
}

/** Number of elements in a tensor of `shape`. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True when `shape` fits `meta` (same rank; equal where the model's dimension is fixed). */
export function shapeFits(shape: readonly number[], meta: TensorMeta): boolean {
  if (shape.length !== meta.shape.length) return false;
  return meta.shape.every((d, i) => d < 0 || d === shape[i]);
}

/** `[-1, 8]` for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws INVALID_INPUT naming `field` when `shape` does not fit the model input `meta`. */
export function assertShapeFits(shape: readonly number[], meta: TensorMeta, field: string): void {
  if (shapeFits(shape, meta)) return;
  throw new InvalidInputError(
    `${field}: shape ${formatShape(shape)} does not match input "${meta.name}" ${formatShape(meta.shape)}`,
  );
}

/**
 * Turns row-major flat data into nested lists of `shape`; a scalar shape yields the element itself.
 * The lists are sliced or grown by `push`, never a `new Array(size)` filled in: that one is "holey",
 * and JSON.stringify reads each element of a holey array through a slow generic lookup (these lists
 * are the response).
 */
export function nest(data: Tensor['data'], shape: readonly number[], offset = 0): unknown {
  if (shape.length === 0) return data[offset];
  const build = (depth: number, start: number): unknown[] => {
    const size = shape[depth] as number;
    // The innermost lists are copied in one step; a slice of a packed list is packed too.
    if (depth === shape.length - 1) return data.slice(start, start + size);
    const out: unknown[] = [];
    const stride = elementCount(shape.slice(depth + 1));
    for (let i = 0; i < size; i++) out.push(build(depth + 1, start + i * stride));
    return out;
  };
  return build(0, offset);
}

/** True for a JSON object (not a list, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
