import { Redis } from 'ioredis';

/** The slice of a pino-style logger this package uses. */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/** Options for {@link createRedis}. */
export interface CreateRedisOptions {
  /** A command without a reply after this long rejects (default 1000 ms). */
  commandTimeoutMs?: number;
  /** A connection attempt is abandoned after this long and retried (default 2000 ms). */
  connectTimeoutMs?: number;
  /** Shown in CLIENT LIST, so operators (and tests) can find the connection. */
  name?: string;
  /** Queue commands while disconnected instead of failing them (default false). */
  offlineQueue?: boolean;
  /**
   * Send the commands issued in one event-loop turn as one pipeline (default false): one write and
   * one wake-up of Redis for many concurrent requests instead of one each. Not for a subscriber.
   */
  autoPipelining?: boolean;
  /** Receives the first connection error of each outage; without it errors are swallowed. */
  logger?: WarnLogger;
}

const MAX_RETRY_DELAY_MS = 2000;

/** Reconnect delay: exponential from 100 ms, capped, with jitter so a fleet does not reconnect in lockstep. */
export function redisRetryDelay(attempt: number): number {
  const base = Math.min(100 * 2 ** Math.min(attempt - 1, 10), MAX_RETRY_DELAY_MS);
  return base + Math.floor(Math.random() * 100);
}

/**
 * An ioredis client tuned for a serving path: commands time out instead of hanging, fail fast while
 * disconnected (a stale queued command is worse than an error), and the client reconnects forever.
 * Connection errors go to an 'error' listener, so they never crash the process.
 */
export function createRedis(url: string, options: CreateRedisOptions = {}): Redis {
  const {
    commandTimeoutMs = 1000,
    connectTimeoutMs = 2000,
    name,
    offlineQueue = false,
    autoPipelining = false,
    logger,
  } = options;
  const redis = new Redis(url, {
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    enableOfflineQueue: offlineQueue,
    enableAutoPipelining: autoPipelining,
    maxRetriesPerRequest: 1,
    retryStrategy: redisRetryDelay,
    ...(name === undefined ? {} : { connectionName: name }),
  });
  // Log once per outage: ioredis emits an error on every failed reconnect attempt.
  let reported = false;
  redis.on('error', (err: Error) => {
    if (reported) return;
    reported = true;
    logger?.warn({ err, redis: name ?? 'redis' }, 'redis connection error; reconnecting');
  });
  redis.on('ready', () => {
    reported = false;
  });
  return redis;
}

/**
 * Resolves once `redis` is ready, waiting at most `timeoutMs`. Lets callers of a client without an
 * offline queue ride out the initial connect or a short reconnect instead of failing at once.
 */
export function waitForRedisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  if (redis.status === 'end') return Promise.reject(new Error('redis connection is closed'));
  return new Promise((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      redis.off('end', onEnd);
      resolve();
    };
    const onEnd = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      reject(new Error('redis connection is closed'));
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      redis.off('end', onEnd);
      reject(new Error(`redis not ready within ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    redis.once('ready', onReady);
    redis.once('end', onEnd);
  });
}

/** Closes `redis` politely (QUIT) when connected, otherwise at once; resolves when it has ended. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  const abort = () => {
    redis.disconnect();
    // disconnect() half-closes and waits for the peer; a hung server would hold shutdown for seconds.
    redis.stream?.destroy();
  };
  if (redis.status === 'ready') await redis.quit().catch(abort);
  else abort();
  await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
}
