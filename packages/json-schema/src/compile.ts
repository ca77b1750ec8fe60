import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';

export type { ErrorObject, ValidateFunction } from 'ajv';

const addFormats = ajvFormats.default;

// `allErrors`: a 400 names every failing field, not the first (`verbose` keeps the value, for "got X").
// `strict: false`: registered schemas carry annotations of their own (`x-feature-order`, vendor keys).
const OPTIONS = {
  allErrors: true,
  verbose: true,
  strict: false,
  allowUnionTypes: true,
  logger: false,
} as const;

/**
 * Compiles one registered JSON Schema (draft-07, or 2020-12 when its `$schema` says so) into a
 * validator. Each call gets its own Ajv instance: Ajv registers every `$id` it compiles, so one
 * shared instance would let two versions whose schemas reuse an `$id` refuse each other, and which
 * one loses would depend on load order. Throws if the schema is invalid.
 */
export function compileJsonSchema(schema: Record<string, unknown>): ValidateFunction {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  const ajv = dialect.includes('2020-12') ? new Ajv2020(OPTIONS) : new Ajv(OPTIONS);
  addFormats(ajv);
  // A private copy: Ajv keeps the object it compiled, and callers' objects may be shared or frozen.
  return ajv.compile(structuredClone(schema));
}

/** Why `schema` cannot be compiled, or null when it can: for refusing a bad schema at registration. */
export function jsonSchemaProblem(schema: Record<string, unknown>): string | null {
  try {
    compileJsonSchema(schema);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
