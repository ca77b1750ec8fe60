import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './json-body.ts';
import { checkJsonLimits, DEFAULT_REQUEST_LIMITS, type RequestLimits } from './limits.ts';

const limits: RequestLimits = { maxDepth: 4, maxArrayLength: 3, maxStringLength: 5, maxInstances: 10 };
const parse = (text: string, contentType = 'application/json', l = limits) =>
  parseJsonBody(Buffer.from(text), contentType, l);

function thrown(fn: () => unknown): { code?: string; message?: string; details?: unknown } {
  try {
    fn();
  } catch (error) {
    return error as { code: string; message: string; details?: unknown };
  }
  throw new Error('expected a throw');
}

describe('checkJsonLimits', () => {
  it('accepts a body within every limit', () => {
    expect(checkJsonLimits({ a: [1, 2, { b: 'four' }] }, limits)).toEqual([]);
  });

  it.each([
    ['a list that is too long', { a: [1, 2, 3, 4] }, 'a', 'list longer than 3 elements (got 4)'],
    [
      'an object with too many fields',
      { a: { w: 1, x: 2, y: 3, z: 4 } },
      'a',
      'object with more than 3 fields',
    ],
    ['a string that is too long', { a: ['abcdef'] }, 'a[0]', 'string longer than 5 characters'],
    ['a field name that is too long', { a: { abcdef: 1 } }, 'a', 'field name longer than 5 characters'],
    ['nesting that is too deep', { a: [[[[1]]]] }, 'a[0][0][0]', 'nested deeper than 4 levels'],
    ['Infinity (1e400)', { a: [1, Number.POSITIVE_INFINITY] }, 'a[1]', 'must be a finite number'],
    ['-Infinity at the root of a list', [Number.NEGATIVE_INFINITY], 'body[0]', 'must be a finite number'],
  ])('names %s', (_name, body, path, message) => {
    expect(checkJsonLimits(body, limits)).toEqual([{ path, message }]);
  });

  it('lists every violation, not only the first', () => {
    const body = { a: Number.POSITIVE_INFINITY, b: { c: 'toolong', d: [1, 2, 3, 4] }, e: Number.NaN };
    expect(checkJsonLimits(body, limits).map((i) => i.path)).toEqual(['a', 'e', 'b.c', 'b.d']);
  });

  it('finds an issue in exactly the bodies that break a limit (2000 random bodies, checked by a plain reference)', () => {
    // The reference: each limit as the docs state it, written out plainly.
    const breaks = (value: unknown, depth: number): boolean => {
      if (typeof value === 'number') return !Number.isFinite(value);
      if (typeof value === 'string') return value.length > limits.maxStringLength;
      if (typeof value !== 'object' || value === null) return false;
      if (depth > limits.maxDepth) return true;
      const entries = Array.isArray(value)
        ? value.map((v, i) => [String(i), v] as const)
        : Object.entries(value);
      if (entries.length > limits.maxArrayLength) return true;
      return entries.some(
        ([key, v]) =>
          (!Array.isArray(value) &&
            (key.length > limits.maxStringLength || key === '__proto__' || key === 'constructor')) ||
          breaks(v, depth + 1),
      );
    };
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const keys = ['a', 'bb', 'abcdef', 'constructor', 'x'];
    const scalars = [1, 'abc', 'abcdef', Number.POSITIVE_INFINITY, null, true, Number.NaN, -0.5];
    const make = (depth: number): unknown => {
      const pick = random();
      if (depth > 6 || pick < 0.45) return scalars[Math.floor(random() * scalars.length)];
      const size = Math.floor(random() * 5);
      if (pick < 0.75) return Array.from({ length: size }, () => make(depth + 1));
      const object: Record<string, unknown> = {};
      for (let i = 0; i < size; i++)
        object[keys[Math.floor(random() * keys.length)] as string] = make(depth + 1);
      return object;
    };
    let broken = 0;
    for (let i = 0; i < 2000; i++) {
      const body = make(0);
      const expected = breaks(body, 1);
      if (expected) broken += 1;
      expect(checkJsonLimits(body, limits).length > 0, JSON.stringify(body)).toBe(expected);
    }
    // Both kinds occur often enough for the comparison to mean something.
    expect(broken).toBeGreaterThan(400);
    expect(broken).toBeLessThan(1600);
  });

  it('walks a million-level nesting without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(checkJsonLimits(deep, DEFAULT_REQUEST_LIMITS)).toEqual([
      { path: `body${'[0]'.repeat(32)}`, message: 'nested deeper than 32 levels' },
    ]);
  });
});

describe('parseJsonBody', () => {
  it('refuses prototype keys anywhere, and nothing is polluted', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const error = thrown(() =>
      parse('{"__proto__": {"polluted": 1}, "a": [{"constructor": {"prototype": {"polluted": 2}}}]}'),
    );
    expect(error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(error.details).toEqual([
      { path: '__proto__', message: '"__proto__" is not allowed as a field name' },
      { path: 'a[0].constructor', message: '"constructor" is not allowed as a field name' },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });

  it('rejects 1e400, which JSON.parse turns into Infinity', () => {
    expect(thrown(() => parse('{"a": [1e400]}'))).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'a[0]: must be a finite number',
    });
  });

  it.each([
    ['an empty body', Buffer.alloc(0), 'request body is empty'],
    [
      'invalid UTF-8',
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
      'request body is not valid UTF-8',
    ],
    ['malformed JSON', Buffer.from('{"a": [1, 2'), 'request body is not valid JSON'],
    ['NaN (not JSON)', Buffer.from('{"a": NaN}'), 'request body is not valid JSON'],
  ])('refuses %s with BAD_REQUEST', (_name, raw, message) => {
    expect(thrown(() => parseJsonBody(raw, 'application/json', limits))).toMatchObject({
      code: 'BAD_REQUEST',
      message,
    });
  });

  it('accepts UTF-8 (declared or not) and refuses other charsets with 415', () => {
    expect(parse('{"a":"é"}', 'application/json; charset=UTF-8')).toEqual({ a: 'é' });
    expect(parse('{"a":1}', 'application/json')).toEqual({ a: 1 });
    expect(thrown(() => parse('{"a":1}', 'application/json; charset=latin1'))).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
  });
});
