import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A fresh key/channel prefix such as `mpt:bus:3f9a1c02:`, so test files sharing one Redis never
 * see each other's keys or messages.
 */
export function randomPrefix(label: string): string {
  return `mpt:${label}:${randomBytes(4).toString('hex')}:`;
}

// SCAN MATCH takes a glob; the prefix must match literally.
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Deletes every key starting with `prefix`, walking the keyspace with SCAN (KEYS would block the
 * shared server). Returns how many keys were removed.
 */
export async function deleteRedisKeys(redis: Redis, prefix: string): Promise<number> {
  // An empty prefix would wipe the shared Redis.
  if (prefix.length === 0) throw new Error('deleteRedisKeys needs a non-empty prefix');
  const pattern = `${escapeGlob(prefix)}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
