import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManagedProcess } from '@modelplane/testing';
import { getFreePort, redisServerBin } from '@modelplane/testing';
import { Redis } from 'ioredis';
import { launch, stopProcess } from '../harness/processes.ts';

/** The bench's private Redis. */
export interface BenchRedis {
  url: string;
  /** The server's pid, as `INFO server` reports it. */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a private, non-persistent redis-server on `core`. The shared Redis also serves other
 * engineers' tests, so its CPU could not be charged to the bench; a private one can, and stopping
 * it removes every key the bench wrote.
 */
export async function startBenchRedis(core: number | null): Promise<BenchRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'mp-bench-redis-'));
  let child: ManagedProcess | undefined;
  let lastError: unknown;
  let port = 0;
  // A port can be taken between getFreePort and the bind.
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await getFreePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    try {
      child = await launch(core, redisServerBin(), [...args, '--dir', dir, '--daemonize', 'no'], {
        readyWhen: /Ready to accept connections/,
        timeoutMs: 10_000,
      });
    } catch (error) {
      lastError = error;
    }
  }
  if (!child) {
    await rm(dir, { recursive: true, force: true });
    throw lastError;
  }
  const url = `redis://127.0.0.1:${port}`;
  const started = child;
  const stop = async () => {
    await stopProcess(started);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    return { url, pid: await redisPid(url), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The pid a Redis server reports in `INFO server` (the process that does the work). */
export async function redisPid(url: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const match = /process_id:(\d+)/.exec(info);
    if (!match) throw new Error(`no process_id in INFO server from ${url}`);
    return Number(match[1]);
  } finally {
    redis.disconnect();
  }
}
