import { compileJsonSchema, type ValidateFunction } from '@modelplane/json-schema';
import type { VersionConfig } from '../routing/types.ts';

/** A version's compiled schemas; null where the version declares none. */
export interface VersionValidators {
  input: ValidateFunction | null;
  output: ValidateFunction | null;
}

// Keyed by the schema's text: every table reload brings new row objects, and each compile builds its
// own Ajv instance, so compiling per object would be slow and grow without bound. One per distinct schema.
const byText = new Map<string, ValidateFunction>();
const byVersion = new WeakMap<VersionConfig, VersionValidators>();

function compile(schema: Record<string, unknown> | null): ValidateFunction | null {
  if (schema === null) return null;
  const text = JSON.stringify(schema);
  let validate = byText.get(text);
  if (validate === undefined) {
    validate = compileJsonSchema(schema);
    byText.set(text, validate);
  }
  return validate;
}

/**
 * Compiles a version's input and output schemas; the routing table calls this once per load, so
 * requests only look the result up. Returns why a schema cannot be compiled, or null when it can.
 */
export function compileVersionSchemas(version: VersionConfig): string | null {
  let input: ValidateFunction | null;
  try {
    input = compile(version.inputSchema);
  } catch (error) {
    return `invalid input schema: ${(error as Error).message}`;
  }
  let output: ValidateFunction | null;
  try {
    output = compile(version.outputSchema);
  } catch (error) {
    return `invalid output schema: ${(error as Error).message}`;
  }
  byVersion.set(version, { input, output });
  return null;
}

/**
 * The version's validators. Versions read back from the disk snapshot (or built by tests) were not
 * compiled by a table load, so they are compiled here on first use; throws if that fails.
 */
export function validatorsOf(version: VersionConfig): VersionValidators {
  const known = byVersion.get(version);
  if (known !== undefined) return known;
  const problem = compileVersionSchemas(version);
  if (problem !== null) throw new Error(`${version.ref}: ${problem}`);
  return byVersion.get(version) as VersionValidators;
}
