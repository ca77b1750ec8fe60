import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { stopAllProcesses } from './process.ts';
import { startRedisServer } from './redis-server.ts';

afterAll(async () => {
  await stopAllProcesses();
});

function client(url: string): Redis {
  // No retries: each call should report the server's state right now.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  return redis;
}

async function ping(url: string): Promise<string> {
  const redis = client(url);
  try {
    await redis.connect();
    return await redis.ping();
  } finally {
    redis.disconnect();
  }
}

// The raw socket error, which ioredis hides behind "Connection is closed".
function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('startRedisServer', () => {
  it('starts a private server that can be stopped and restarted on the same port, empty', async () => {
    const server = await startRedisServer();
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await ping(server.url)).toBe('PONG');

      const redis = client(server.url);
      await redis.connect();
      await redis.set('k', 'v');
      redis.disconnect();

      await server.restart();
      const after = client(server.url);
      await after.connect();
      expect(await after.get('k')).toBeNull();
      after.disconnect();

      await server.stop();
      expect(await connectError(server.port)).toBe('ECONNREFUSED');

      await server.restart();
      expect(await ping(server.url)).toBe('PONG');
    } finally {
      await server.stop();
    }
    expect(await connectError(server.port)).toBe('ECONNREFUSED');
  });
});
