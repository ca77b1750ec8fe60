import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from './env.ts';
import { deleteRedisKeys, randomPrefix } from './redis.ts';
import { startTcpProxy } from './tcp-proxy.ts';
import { waitFor } from './wait-for.ts';

const prefix = randomPrefix('proxy');
const target = new URL(testRedisUrl());
const admin = new Redis(testRedisUrl());

afterAll(async () => {
  await deleteRedisKeys(admin, prefix);
  await admin.quit();
});

describe('startTcpProxy', () => {
  it('passes Redis traffic, fails it while cut, and works again after restore', async () => {
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    const redis = new Redis(proxy.url(), {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 20,
    });
    redis.on('error', () => {});
    try {
      await waitFor(() => redis.status === 'ready', { message: 'client ready through the proxy' });
      await redis.set(`${prefix}k`, 'through-proxy');
      expect(await admin.get(`${prefix}k`)).toBe('through-proxy');
      expect(proxy.connections).toBe(1);

      proxy.cut();
      expect(proxy.connections).toBe(0);
      await expect(redis.get(`${prefix}k`)).rejects.toThrow();
      // Reconnect attempts keep failing while cut.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(redis.get(`${prefix}k`)).rejects.toThrow();

      proxy.restore();
      const value = await waitFor(() => redis.get(`${prefix}k`), { message: 'GET after restore' });
      expect(value).toBe('through-proxy');
    } finally {
      redis.disconnect();
      await proxy.close();
    }
  });

  it('rewrites a URL to point at the proxy, keeping credentials and path', async () => {
    const proxy = await startTcpProxy('127.0.0.1', 5432);
    try {
      expect(proxy.rewriteUrl('postgres://u:p@db.internal:5432/app?sslmode=disable')).toBe(
        `postgres://u:p@127.0.0.1:${proxy.port}/app?sslmode=disable`,
      );
      expect(proxy.url('redis')).toBe(`redis://127.0.0.1:${proxy.port}`);
    } finally {
      await proxy.close();
    }
  });
});
