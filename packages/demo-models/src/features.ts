import type { JsonSchemaObject } from './manifest.ts';

/** One named input column of a tabular model. */
export interface FeatureSpec {
  name: string;
  kind: 'number' | 'integer' | 'binary';
  min: number;
  max: number;
  description: string;
}

/** A labelled table: rows of features in featureOrder. */
export interface Dataset<L> {
  rows: Float64Array[];
  labels: L[];
}

/**
 * JSON Schema of one instance as an object of named features. Only keywords shared by draft-07 and
 * draft 2020-12 are used, so both Ajv's default and Ajv2020 compile it.
 */
export function featureSchema(title: string, features: readonly FeatureSpec[]): JsonSchemaObject {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const f of features) {
    properties[f.name] =
      f.kind === 'binary'
        ? { type: 'integer', enum: [0, 1], description: f.description }
        : { type: f.kind, minimum: f.min, maximum: f.max, description: f.description };
  }
  return {
    title,
    type: 'object',
    properties,
    required: features.map((f) => f.name),
    additionalProperties: false,
  };
}

/** Turns a feature row into the named-object form the input schema describes. */
export function rowToInstance(
  featureOrder: readonly string[],
  row: ArrayLike<number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  featureOrder.forEach((name, i) => {
    out[name] = row[i] ?? Number.NaN;
  });
  return out;
}

/** Clamps to the feature's range and rounds integer features. */
export function fitToSpec(f: FeatureSpec, value: number): number {
  const clamped = Math.min(f.max, Math.max(f.min, value));
  return f.kind === 'number' ? Math.round(clamped * 100) / 100 : Math.round(clamped);
}
