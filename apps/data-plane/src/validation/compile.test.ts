import { describe, expect, it } from 'vitest';
import type { VersionConfig } from '../routing/types.ts';
import { compileVersionSchemas, validatorsOf } from './compile.ts';

function version(model: string, inputSchema: Record<string, unknown>): VersionConfig {
  return {
    id: `mv_${model}`,
    model,
    version: '1',
    ref: `${model}@1`,
    backend: { kind: 'onnx' },
    artifact: null,
    inputSchema,
    outputSchema: null,
    servingOptions: {},
  };
}

const shared = (type: string) => ({
  $id: 'https://schemas.example.com/features.json',
  type: 'object',
  properties: { x: { type } },
  required: ['x'],
});

describe('compileVersionSchemas', () => {
  it('serves two versions whose schemas share an $id with different content, whichever loads first', () => {
    for (const order of [
      ['numbers', 'strings'],
      ['strings', 'numbers'],
    ]) {
      const versions = Object.fromEntries(
        order.map((model) => [
          model,
          version(`${model}-${order[0]}`, shared(model === 'numbers' ? 'number' : 'string')),
        ]),
      );
      for (const model of order) expect(compileVersionSchemas(versions[model] as VersionConfig)).toBeNull();
      const numbers = validatorsOf(versions.numbers as VersionConfig).input;
      const strings = validatorsOf(versions.strings as VersionConfig).input;
      expect(numbers?.({ x: 1 })).toBe(true);
      expect(numbers?.({ x: 'a' })).toBe(false);
      expect(strings?.({ x: 'a' })).toBe(true);
      expect(strings?.({ x: 1 })).toBe(false);
    }
  });

  it('names the schema that cannot be compiled', () => {
    expect(compileVersionSchemas(version('broken', { type: 'nope' }))).toMatch(/^invalid input schema: /);
  });
});
