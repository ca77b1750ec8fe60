import { describe, expect, it } from 'vitest';
import { compileJsonSchema, jsonSchemaProblem } from './compile.ts';

const withId = (id: string, type: string) => ({
  $id: id,
  type: 'object',
  properties: { x: { type } },
  required: ['x'],
});

describe('compileJsonSchema', () => {
  it('compiles two schemas that share an $id with different content, each with its own rules', () => {
    const numbers = compileJsonSchema(withId('https://example.com/features.json', 'number'));
    const strings = compileJsonSchema(withId('https://example.com/features.json', 'string'));
    expect(numbers({ x: 1 })).toBe(true);
    expect(numbers({ x: 'a' })).toBe(false);
    expect(strings({ x: 'a' })).toBe(true);
    expect(strings({ x: 1 })).toBe(false);
  });

  it('compiles the same schema object twice (a reload brings the same $id again)', () => {
    const schema = withId('urn:example:features', 'integer');
    expect(compileJsonSchema(schema)({ x: 2 })).toBe(true);
    expect(compileJsonSchema(schema)({ x: 2.5 })).toBe(false);
  });

  it('resolves $ref against the schema’s own $id and definitions', () => {
    const validate = compileJsonSchema({
      $id: 'https://example.com/root.json',
      type: 'object',
      properties: { age: { $ref: '#/definitions/age' } },
      definitions: { age: { type: 'integer', minimum: 0 } },
    });
    expect(validate({ age: 3 })).toBe(true);
    expect(validate({ age: -1 })).toBe(false);
  });

  it('uses draft 2020-12 when $schema says so (prefixItems)', () => {
    const validate = compileJsonSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'number' }, { type: 'string' }],
    });
    expect(validate([1, 'a'])).toBe(true);
    expect(validate(['a', 1])).toBe(false);
  });

  it('knows formats', () => {
    const validate = compileJsonSchema({ type: 'string', format: 'date' });
    expect(validate('2026-12-05')).toBe(true);
    expect(validate('yesterday')).toBe(false);
  });
});

describe('jsonSchemaProblem', () => {
  it('names what is wrong with an invalid schema', () => {
    expect(jsonSchemaProblem({ type: 'no-such-type' })).toMatch(/type/);
    expect(jsonSchemaProblem({ properties: { a: { $ref: '#/definitions/missing' } } })).toMatch(
      /can't resolve reference|missing/,
    );
  });

  it('accepts a valid schema', () => {
    expect(jsonSchemaProblem(withId('urn:example:x', 'number'))).toBeNull();
  });
});
