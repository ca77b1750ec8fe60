import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT, bucketOf } from './bucket.ts';
import { murmur3 } from './murmur3.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytes = (...b: number[]) => new Uint8Array(b);

describe('murmur3 (MurmurHash3_x86_32)', () => {
  // Published reference values. Empty-input seeds, the zero/0x87654321 words and the 0x9747b28c
  // strings are the Wikipedia "MurmurHash" test vectors (from SMHasher's reference code); the
  // seed-0 strings are the values quoted across ports (Guava, mmh3, murmurhash-js test suites);
  // "açb↓c" is from the spaolacci/murmur3-style Go suites that hash UTF-8 bytes.
  it.each([
    ['empty, seed 0', bytes(), 0, 0x00000000],
    ['empty, seed 1', bytes(), 1, 0x514e28b7],
    ['empty, seed 0xffffffff', bytes(), 0xffffffff, 0x81f16f39],
    ['four zero bytes', bytes(0, 0, 0, 0), 0, 0x2362f9de],
    ['0x87654321 LE, seed 0x5082edee', bytes(0x21, 0x43, 0x65, 0x87), 0x5082edee, 0x2362f9de],
    ['three bytes', bytes(0x21, 0x43, 0x65), 0, 0x7e4a8634],
    ['two bytes', bytes(0x21, 0x43), 0, 0xa0f7b07a],
    ['one byte', bytes(0x21), 0, 0x72661cf4],
    ['"test"', utf8('test'), 0, 0xba6bd213],
    ['"test", seed 0x9747b28c', utf8('test'), 0x9747b28c, 0x704b81dc],
    ['"Hello, world!"', utf8('Hello, world!'), 0, 0xc0363e43],
    ['"Hello, world!", seed 0x9747b28c', utf8('Hello, world!'), 0x9747b28c, 0x24884cba],
    ['quick brown fox', utf8('The quick brown fox jumps over the lazy dog'), 0, 0x2e4ff723],
    [
      'quick brown fox, seed 0x9747b28c',
      utf8('The quick brown fox jumps over the lazy dog'),
      0x9747b28c,
      0x2fa826cd,
    ],
    ['"aaaa", seed 0x9747b28c', utf8('aaaa'), 0x9747b28c, 0x5a97808a],
    ['"aaa", seed 0x9747b28c', utf8('aaa'), 0x9747b28c, 0x283e0130],
    ['"aa", seed 0x9747b28c', utf8('aa'), 0x9747b28c, 0x5d211726],
    ['"a", seed 0x9747b28c', utf8('a'), 0x9747b28c, 0x7fa09ea6],
    ['"ππππππππ" (UTF-8), seed 0x9747b28c', utf8('ππππππππ'), 0x9747b28c, 0xd58063c1],
    ['"special characters açb↓c" (UTF-8)', utf8('special characters açb↓c'), 0, 0xbe83b140],
  ])('%s', (_name, input, seed, expected) => {
    expect(murmur3(input, seed)).toBe(expected);
  });

  it('reproduces the SMHasher verification value 0xB0F57EE3', () => {
    // SMHasher VerificationTest: hash [0..i) with seed 256 - i, hash the 256 little-endian results.
    const key = Uint8Array.from({ length: 256 }, (_, i) => i);
    const results = new Uint8Array(1024);
    const view = new DataView(results.buffer);
    for (let i = 0; i < 256; i++) view.setUint32(4 * i, murmur3(key.subarray(0, i), 256 - i), true);
    expect(murmur3(results, 0)).toBe(0xb0f57ee3);
  });

  it('returns unsigned 32-bit integers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), (input, seed) => {
        const h = murmur3(input, seed);
        return Number.isInteger(h) && h >= 0 && h <= 0xffffffff;
      }),
    );
  });
});

describe('bucketOf', () => {
  const expectedBucket = (salt: string, key: string) => murmur3(utf8(`${salt}:${key}`), 0) % BUCKET_COUNT;

  it.each([
    ['ASCII', 'user-123456'],
    ['Latin-1', 'café naïve'],
    ['CJK', '中文用户'],
    ['Cyrillic', 'пользователь'],
    ['emoji (surrogate pair)', 'rocket-🚀'],
    ['lone high surrogate', 'x\ud83d'],
    ['lone low surrogate', '\ude00y'],
    ['reversed pair', '\ude00\ud83d'],
    ['empty key', ''],
    ['long key', 'k'.repeat(100_000)],
  ])('matches murmur3 of the TextEncoder bytes: %s', (_name, key) => {
    expect(bucketOf('0123456789abcdef', key)).toBe(expectedBucket('0123456789abcdef', key));
  });

  it('stays correct when the salt changes and when a long key grows the buffer', () => {
    const calls: [string, string][] = [
      ['salt-one', 'user-1'],
      ['salt-one', 'x'.repeat(5000)],
      ['salt-one', 'user-1'],
      ['salt-two-é', 'user-1'],
      ['salt-one', '中'.repeat(30000)],
      ['salt-two-é', 'user-2'],
      ['', 'user-2'],
    ];
    for (const [salt, key] of calls) expect(bucketOf(salt, key)).toBe(expectedBucket(salt, key));
  });

  it('matches murmur3 of the TextEncoder bytes for arbitrary UTF-16 strings', () => {
    // Any code unit, so lone surrogates and every UTF-8 length class show up.
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const anyString = fc.oneof(fc.string({ unit }), fc.string({ unit: 'binary' }), fc.string());
    fc.assert(
      fc.property(anyString, anyString, (salt, key) => bucketOf(salt, key) === expectedBucket(salt, key)),
      { numRuns: 2000 },
    );
  });
});
