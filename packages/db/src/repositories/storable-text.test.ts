import { describe, expect, it } from 'vitest';
import { storableJson } from './storable-text.ts';

// The reference is the engine's own String.prototype.toWellFormed (Node 20+): lone surrogates
// become U+FFFD, pairs stay. NUL, which jsonb cannot hold either, becomes U+FFFD too.
const wellFormed = (s: string) =>
  (s as unknown as { toWellFormed(): string }).toWellFormed().replaceAll('\u0000', '\uFFFD');

describe('storableJson', () => {
  it.each([
    ['a lone high surrogate', '{"instances":["\\ud800"]}', '{"instances":["\\ufffd"]}'],
    ['a lone low surrogate', '["\\udc00"]', '["\\ufffd"]'],
    ['a reversed pair', '["\\udc00\\ud800"]', '["\\ufffd\\ufffd"]'],
    ['a high surrogate at the end', '["a\\ud83d"]', '["a\\ufffd"]'],
    ['an escaped pair (kept)', '["\\ud83d\\ude00"]', '["\\ud83d\\ude00"]'],
    ['a high before a pair', '["\\ud800\\ud83d\\ude00"]', '["\\ufffd\\ud83d\\ude00"]'],
    ['NUL', '{"k\\u0000":"\\u0000"}', '{"k\\ufffd":"\\ufffd"}'],
    ['an escaped backslash then "ud800" (literal text, kept)', '["\\\\ud800"]', '["\\\\ud800"]'],
    ['an escaped backslash then a lone escape', '["\\\\\\ud800"]', '["\\\\\\ufffd"]'],
    ['upper-case hex', '["\\uD800x"]', '["\\ufffdx"]'],
    ['nothing to do', '{"emoji":"😀","text":"\\n\\"q\\""}', '{"emoji":"😀","text":"\\n\\"q\\""}'],
  ])('rewrites %s', (_name, json, expected) => {
    expect(storableJson(json)).toBe(expected);
  });

  it('gives what toWellFormed gives, for every string JSON.stringify writes', () => {
    const units = ['a', '\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\\', '"', 'u', '😀', '\n'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let n = 0; n < 5000; n++) {
      let s = '';
      for (let i = next() % 12; i > 0; i--) s += units[next() % units.length];
      const stored = storableJson(JSON.stringify({ [s]: s }));
      expect(JSON.parse(stored)).toEqual({ [wellFormed(s)]: wellFormed(s) });
    }
  });
});
