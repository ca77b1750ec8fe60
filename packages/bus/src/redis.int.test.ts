import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { randomPrefix, startTcpProxy, type TcpProxy, testRedisUrl, waitFor } from '@modelplane/testing';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedis, redisRetryDelay, waitForRedisReady } from './redis.ts';

const prefix = randomPrefix('redis');
const target = new URL(testRedisUrl());
const admin = createRedis(testRedisUrl());

afterAll(async () => {
  await admin.del(`${prefix}k`);
  await closeRedis(admin);
});

/** Cuts the proxy: a command then fails at once, and after the cut heals the client reads `k` again. */
async function expectFailsFastWhileCut(redis: Redis, proxy: TcpProxy): Promise<void> {
  proxy.cut();
  await waitFor(() => redis.status !== 'ready', { message: 'client notices the cut' });
  const started = Date.now();
  await expect(redis.get(`${prefix}k`)).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(100);
  proxy.restore();
  await waitForRedisReady(redis, 5000);
  expect(await redis.get(`${prefix}k`)).toBe('v');
}

describe('createRedis', () => {
  it('names the connection and fails fast while disconnected, then reconnects by itself', async () => {
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    const warnings: string[] = [];
    const redis = createRedis(proxy.url(), {
      name: `${prefix}conn`,
      logger: { warn: (_obj, msg) => warnings.push(msg) },
    });
    try {
      await waitForRedisReady(redis, 2000);
      expect(await redis.client('GETNAME')).toBe(`${prefix}conn`);
      await redis.set(`${prefix}k`, 'v');

      await expectFailsFastWhileCut(redis, proxy);
      // One warning for the outage, however many reconnect attempts failed.
      expect(warnings.length).toBeLessThanOrEqual(1);
    } finally {
      await closeRedis(redis);
      await proxy.close();
    }
  });

  it('with auto-pipelining, sends one turn of commands together and still fails fast while cut off', async () => {
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    const redis = createRedis(proxy.url(), { autoPipelining: true });
    const plain = createRedis(testRedisUrl());
    try {
      await waitForRedisReady(redis, 2000);
      await waitForRedisReady(plain, 2000);
      await redis.set(`${prefix}k`, 'v');
      const gets = Array.from({ length: 50 }, () => redis.get(`${prefix}k`));
      // Queued for one pipeline at the end of this turn, not written one by one.
      expect(redis.autoPipelineQueueSize).toBe(50);
      expect(await Promise.all(gets)).toEqual(Array(50).fill('v'));
      const plainGet = plain.get(`${prefix}k`);
      expect(plain.autoPipelineQueueSize).toBe(0);
      expect(await plainGet).toBe('v');

      await expectFailsFastWhileCut(redis, proxy);
    } finally {
      await closeRedis(redis);
      await closeRedis(plain);
      await proxy.close();
    }
  });

  it('times out a command against a server that accepts but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    // An offline queue lets the command reach the commandTimeout instead of failing as not ready.
    const redis = createRedis(`redis://127.0.0.1:${address.port}`, {
      commandTimeoutMs: 200,
      offlineQueue: true,
    });
    try {
      const started = Date.now();
      await expect(redis.ping()).rejects.toThrow(/timed out/i);
      expect(Date.now() - started).toBeLessThan(1000);
      await expect(waitForRedisReady(redis, 200)).rejects.toThrow(/not ready within 200 ms/);
    } finally {
      await closeRedis(redis);
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('backs off exponentially up to a cap, forever', () => {
    const delays = [1, 2, 3, 6, 50, 10_000].map(redisRetryDelay);
    expect(delays[0]).toBeGreaterThanOrEqual(100);
    expect(delays[0]).toBeLessThan(200);
    expect(delays[2]).toBeGreaterThanOrEqual(400);
    for (const delay of delays.slice(3)) {
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThan(2100);
    }
  });
});
