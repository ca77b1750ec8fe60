import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisServerBin } from './env.ts';
import { getFreePort } from './ports.ts';
import { type ManagedProcess, startProcess } from './process.ts';

/** A private redis-server a test may stop and restart (unlike the shared one). */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server and removes its directory; `restart()` can bring it back on the same port. */
  stop(): Promise<void>;
  /** Stops the server if running and starts it again on the same port, with an empty dataset. */
  restart(): Promise<void>;
}

const READY = /Ready to accept connections/;

async function launch(port: number, dir: string): Promise<ManagedProcess> {
  await mkdir(dir, { recursive: true });
  // Nothing persists: a restart is also a data loss, like a cache node being replaced.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  return startProcess(redisServerBin(), [...args, '--dir', dir, '--daemonize', 'no'], {
    readyWhen: READY,
    timeoutMs: 10_000,
  });
}

// The port may be taken between getFreePort() and the bind, or linger briefly after a stop.
async function launchWithRetry(dir: string, port?: number): Promise<{ port: number; child: ManagedProcess }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const candidate = port ?? (await getFreePort());
    try {
      return { port: candidate, child: await launch(candidate, dir) };
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw lastError;
}

/**
 * Starts `redis-server` on a free port bound to 127.0.0.1, without persistence, in a temp dir.
 * It is registered with {@link stopAllProcesses}, but tests should still call `stop()`.
 */
export async function startRedisServer(): Promise<PrivateRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'mpt-redis-'));
  const started = await launchWithRetry(dir);
  const { port } = started;
  let child: ManagedProcess | undefined = started.child;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await child?.stop();
      child = undefined;
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await child?.stop();
      child = undefined;
      child = (await launchWithRetry(dir, port)).child;
    },
  };
}
