import type { ErrorObject } from '@modelplane/json-schema';
import { describe } from '../protocol/tensor.ts';
import type { Issue } from './issues.ts';

/** How one validated value's paths are written: `instances[3]` plus a field, or a column and a row. */
export interface PathStyle {
  /** The path of the whole value (an instance or a row). */
  base: string;
  /** The path of one field of it. */
  field(name: string): string;
  /** Tabular schemas talk about features; others about fields. */
  noun: 'feature' | 'field';
}

/** `instances[2]` and `instances[2].cart_items`: the row-format style. */
export function instancePaths(base: string, noun: PathStyle['noun']): PathStyle {
  return { base, field: (name) => `${base}.${name}`, noun };
}

function pointerPath(style: PathStyle, pointer: string): string {
  if (pointer === '') return style.base;
  const parts = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const [first, ...rest] = parts as [string, ...string[]];
  let path = style.field(first);
  for (const part of rest) path += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  return path;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  integer: 'an integer',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function short(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return describe(value);
}

function typeMessage(expected: unknown, value: unknown): string {
  const types = (Array.isArray(expected) ? expected : [expected]).map(String);
  if (types.length === 1 && types[0] === 'integer' && typeof value === 'number') {
    return `expected an integer, got ${value}`;
  }
  // A number where "integer" is declared is the integer message above; anything else is not a number at all.
  if (types.every((t) => t === 'integer' || t === 'number'))
    return `expected a number, got ${describe(value)}`;
  return `expected ${types.map((t) => TYPE_NAMES[t] ?? t).join(' or ')}, got ${describe(value)}`;
}

function message(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return typeMessage(params.type, error.data);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${params.comparison} ${params.limit}, got ${short(error.data)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${short(error.data)}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return error.message ?? `fails "${error.keyword}"`;
  }
}

/**
 * Turns Ajv's errors for one value into issues worded like the rest of the API: missing fields
 * are grouped per object ("missing features a, b"), unknown ones named, types and ranges spelled out.
 */
export function ajvIssues(errors: readonly ErrorObject[], style: PathStyle): Issue[] {
  const issues: Issue[] = [];
  const missing = new Map<string, string[]>();
  for (const error of errors) {
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required') {
      const at = pointerPath(style, error.instancePath);
      const list = missing.get(at) ?? [];
      if (list.length === 0) {
        missing.set(at, list);
        // Placeholder, filled in below once every missing field of this object is known.
        issues.push({ path: at, message: '' });
      }
      list.push(String(params.missingProperty));
    } else if (error.keyword === 'additionalProperties') {
      const at = pointerPath(style, `${error.instancePath}/${String(params.additionalProperty)}`);
      issues.push({ path: at, message: `unknown ${style.noun}` });
    } else {
      issues.push({ path: pointerPath(style, error.instancePath), message: message(error) });
    }
  }
  for (const issue of issues) {
    const list = issue.message === '' ? missing.get(issue.path) : undefined;
    if (list) issue.message = `missing ${style.noun}${list.length > 1 ? 's' : ''} ${list.join(', ')}`;
  }
  return issues;
}
