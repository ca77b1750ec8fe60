import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { VersionConfig } from '../routing/types.ts';

/** A version's compiled schemas; null where the version declares none. */
export interface VersionValidators {
  input: ValidateFunction | null;
  output: ValidateFunction | null;
}

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
let draft07: Ajv | undefined;
let draft2020: Ajv2020 | undefined;

function ajvFor(schema: Record<string, unknown>): Ajv | Ajv2020 {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (dialect.includes('2020-12')) {
    draft2020 ??= addFormats(new Ajv2020(OPTIONS));
    return draft2020;
  }
  draft07 ??= addFormats(new Ajv(OPTIONS));
  return draft07;
}

// Keyed by the schema's text: every table reload brings new row objects, and Ajv keeps each schema
// object it compiles, so compiling per object would grow without bound. One entry per distinct schema.
const byText = new Map<string, ValidateFunction>();
const byVersion = new WeakMap<VersionConfig, VersionValidators>();

function compile(schema: Record<string, unknown> | null): ValidateFunction | null {
  if (schema === null) return null;
  const text = JSON.stringify(schema);
  let validate = byText.get(text);
  if (validate === undefined) {
    validate = ajvFor(schema).compile(JSON.parse(text) as Record<string, unknown>);
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
