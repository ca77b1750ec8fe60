import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bucketOf } from './bucket.ts';
import { murmur3 } from './murmur3.ts';

interface Vector {
  salt: string;
  key: string;
  hash: number;
  bucket: number;
}

// Written by scripts/gen-vectors.py, a separate Python implementation of the same formula.
const file = JSON.parse(readFileSync(new URL('../vectors.json', import.meta.url), 'utf8')) as {
  algorithm: string;
  vectors: Vector[];
};

describe('vectors.json', () => {
  it('documents the formula and has enough vectors', () => {
    expect(file.algorithm).toContain("murmur3_x86_32(utf8(salt + ':' + key), seed 0) % 10000");
    expect(file.vectors.length).toBeGreaterThanOrEqual(40);
  });

  it.each(file.vectors.map((v) => [JSON.stringify(v.key).slice(0, 40), v] as const))(
    'bucketOf agrees for key %s',
    (_name, v) => {
      expect(bucketOf(v.salt, v.key)).toBe(v.bucket);
      expect(murmur3(new TextEncoder().encode(`${v.salt}:${v.key}`))).toBe(v.hash);
    },
  );
});
