import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from './env.ts';
import { deleteRedisKeys, randomPrefix } from './redis.ts';

const redis = new Redis(testRedisUrl());
const prefix = randomPrefix('keys');

afterAll(async () => {
  await deleteRedisKeys(redis, prefix);
  await redis.quit();
});

describe('randomPrefix', () => {
  it('is namespaced, labelled and unique', () => {
    const a = randomPrefix('bus');
    expect(a).toMatch(/^mpt:bus:[0-9a-f]{8}:$/);
    expect(randomPrefix('bus')).not.toBe(a);
  });
});

describe('deleteRedisKeys', () => {
  it('deletes every key under the prefix, taking glob characters literally', async () => {
    const globby = `${prefix}g*[x]:`;
    const sibling = `${prefix}gA[x]:`;
    const keys = Array.from({ length: 1200 }, (_, i) => `${globby}${i}`);
    await redis.mset(...keys.flatMap((key) => [key, '1']));
    await redis.set(`${sibling}keep`, '1');

    expect(await deleteRedisKeys(redis, globby)).toBe(1200);
    expect(await redis.exists(...keys.slice(0, 10))).toBe(0);
    expect(await redis.get(`${sibling}keep`)).toBe('1');
  });

  it('refuses an empty prefix', async () => {
    await expect(deleteRedisKeys(redis, '')).rejects.toThrow(/non-empty/);
  });
});
