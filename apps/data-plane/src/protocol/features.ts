import type { Tensor } from '../backends/types.ts';
import { InvalidInputError } from '../errors.ts';
import type { VersionConfig } from '../routing/types.ts';
import { describe, isPlainObject } from './tensor.ts';

/** How named tabular features map onto one FP32 input tensor (see `x-input-tensor` / `x-feature-order`). */
export interface FeatureMapping {
  tensor: string;
  features: readonly string[];
  position: ReadonlyMap<string, number>;
}

// VersionConfig objects are immutable and replaced on change, so the parsed mapping can live beside them.
const cache = new WeakMap<VersionConfig, FeatureMapping | null>();

/**
 * The feature mapping a version's input schema declares, or null when it declares none. A schema
 * that names only one of the two keys, or a malformed list, is a registration bug: it throws.
 */
export function featureMappingOf(version: VersionConfig): FeatureMapping | null {
  const cached = cache.get(version);
  if (cached !== undefined) return cached;
  const mapping = parseMapping(version.inputSchema, version.ref);
  cache.set(version, mapping);
  return mapping;
}

function parseMapping(schema: Record<string, unknown> | null, ref: string): FeatureMapping | null {
  const tensor = schema?.['x-input-tensor'];
  const order = schema?.['x-feature-order'];
  if (tensor === undefined && order === undefined) return null;
  const valid =
    typeof tensor === 'string' &&
    Array.isArray(order) &&
    order.length > 0 &&
    order.every((f) => typeof f === 'string') &&
    new Set(order).size === order.length;
  if (!valid) throw new Error(`${ref}: inputSchema has a malformed x-input-tensor / x-feature-order pair`);
  const features = order as string[];
  return { tensor, features, position: new Map(features.map((f, i) => [f, i])) };
}

/**
 * Row format: each instance is an object of every feature; yields one FP32 [n, k] tensor. Field
 * paths for error messages are only built on an error: this runs for every row of every request.
 */
export function featureRows(instances: readonly unknown[], mapping: FeatureMapping, field: string): Tensor {
  const k = mapping.features.length;
  const { position } = mapping;
  const data = new Array<number>(instances.length * k);
  for (let row = 0; row < instances.length; row++) {
    const instance = instances[row];
    if (!isPlainObject(instance)) {
      throw new InvalidInputError(
        `${field}[${row}]: expected an object of named features, got ${describe(instance)}`,
      );
    }
    let seen = 0;
    for (const name in instance) {
      // This spelling, inside a for-in over the same object, is one V8 proves true without a call
      // (Object.hasOwn is a call per feature).
      // biome-ignore lint/suspicious/noPrototypeBuiltins: measured, see the comment above
      if (!Object.prototype.hasOwnProperty.call(instance, name)) continue;
      const column = position.get(name);
      if (column === undefined) throw unknownFeature(`${field}[${row}].${name}`, mapping);
      const value = instance[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidInputError(`${field}[${row}].${name}: expected a number, got ${describe(value)}`);
      }
      data[row * k + column] = value;
      seen++;
    }
    if (seen !== k) throw missingFeature(`${field}[${row}]`, instance, mapping);
  }
  return { name: mapping.tensor, datatype: 'FP32', shape: [instances.length, k], data };
}

/** Columnar format: an object of feature → list of values, one list per feature, all the same length. */
export function featureColumns(
  columns: Record<string, unknown>,
  mapping: FeatureMapping,
  field: string,
): Tensor {
  const k = mapping.features.length;
  let n = -1;
  let data: number[] = [];
  for (const [name, values] of Object.entries(columns)) {
    const column = mapping.position.get(name);
    if (column === undefined) throw unknownFeature(`${field}.${name}`, mapping);
    if (!Array.isArray(values)) {
      throw new InvalidInputError(`${field}.${name}: expected a list of values, got ${describe(values)}`);
    }
    if (n === -1) {
      n = values.length;
      data = new Array<number>(n * k);
    } else if (values.length !== n) {
      throw new InvalidInputError(
        `${field}.${name}: expected ${n} values like the other features, got ${values.length}`,
      );
    }
    values.forEach((value, row) => {
      data[row * k + column] = featureValue(value, `${field}.${name}[${row}]`);
    });
  }
  if (Object.keys(columns).length !== k) throw missingFeature(field, columns, mapping);
  if (n === 0) throw new InvalidInputError(`${field}: feature lists must not be empty`);
  return { name: mapping.tensor, datatype: 'FP32', shape: [n, k], data };
}

function featureValue(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new InvalidInputError(`${field}: expected a number, got ${describe(value)}`);
}

function unknownFeature(field: string, mapping: FeatureMapping): InvalidInputError {
  return new InvalidInputError(`${field}: unknown feature`, { expected: mapping.features });
}

function missingFeature(
  field: string,
  given: Record<string, unknown>,
  mapping: FeatureMapping,
): InvalidInputError {
  const missing = mapping.features.filter((f) => !Object.hasOwn(given, f));
  return new InvalidInputError(
    `${field}: missing feature${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    {
      missing,
    },
  );
}
