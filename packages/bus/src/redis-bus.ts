import type { BusMessage } from '@modelplane/schemas';
import { type Bus, BusClosedError, configChannel } from './bus.ts';
import { createDispatcher, encodeBusMessage } from './dispatcher.ts';
import { closeRedis, createRedis, type WarnLogger, waitForRedisReady } from './redis.ts';

/** Options for {@link createRedisBus}. */
export interface RedisBusOptions {
  url: string;
  /** Deployment prefix for the channel and the connection names, e.g. `mp:`. */
  prefix: string;
  logger?: WarnLogger;
  /** Per-command timeout; publish also waits at most this long for a connection (default 1000 ms). */
  commandTimeoutMs?: number;
  /** How long `subscribe()` waits for the first connection (default 5000 ms). */
  subscribeTimeoutMs?: number;
}

/**
 * A {@link Bus} over Redis pub/sub on {@link configChannel}. It holds two connections, named
 * `<prefix>bus-pub` and `<prefix>bus-sub`, because a subscribed connection cannot publish.
 */
export function createRedisBus(options: RedisBusOptions): Bus {
  const { url, prefix, logger, commandTimeoutMs = 1000, subscribeTimeoutMs = 5000 } = options;
  const channel = configChannel(prefix);
  const pub = createRedis(url, { name: `${prefix}bus-pub`, commandTimeoutMs, logger });
  const sub = createRedis(url, { name: `${prefix}bus-sub`, commandTimeoutMs, logger });
  const dispatcher = createDispatcher(logger);
  const reconnectHandlers = new Set<() => void>();
  let closed = false;
  let wasReady = false;

  sub.on('message', (from: string, payload: string) => {
    if (from === channel) dispatcher.dispatch(payload);
  });
  sub.on('ready', () => {
    if (!wasReady) {
      wasReady = true;
      return;
    }
    void afterReconnect();
  });

  // ioredis re-subscribes on reconnect but emits 'ready' before Redis confirms. Subscribing again
  // (idempotent) and awaiting it means a reconcile started by the handlers cannot miss a message
  // published in between.
  async function afterReconnect(): Promise<void> {
    if (closed) return;
    if (dispatcher.handlers.size > 0) {
      try {
        await sub.subscribe(channel);
      } catch (err) {
        // The connection dropped again (or we are closing); the next 'ready' retries.
        if (!closed) logger?.warn({ err, channel }, 'bus resubscribe failed');
        return;
      }
    }
    for (const handler of [...reconnectHandlers]) {
      try {
        handler();
      } catch (err) {
        logger?.warn({ err }, 'bus reconnect handler threw');
      }
    }
  }

  return {
    async publish(message: BusMessage) {
      if (closed) throw new BusClosedError();
      const payload = encodeBusMessage(message);
      await waitForRedisReady(pub, commandTimeoutMs);
      await pub.publish(channel, payload);
    },
    async subscribe(handler) {
      if (closed) throw new BusClosedError();
      dispatcher.handlers.add(handler);
      try {
        await waitForRedisReady(sub, subscribeTimeoutMs);
        await sub.subscribe(channel);
      } catch (err) {
        dispatcher.handlers.delete(handler);
        throw err;
      }
      return async () => {
        dispatcher.handlers.delete(handler);
        // While disconnected the channel stays in ioredis' resubscribe set; that only costs
        // dropped deliveries, so there is nothing to retry.
        if (dispatcher.handlers.size === 0 && !closed && sub.status === 'ready') {
          await sub.unsubscribe(channel).catch(() => {});
        }
      };
    },
    onReconnect(handler) {
      reconnectHandlers.add(handler);
      return () => {
        reconnectHandlers.delete(handler);
      };
    },
    get stats() {
      return { ...dispatcher.stats };
    },
    async close() {
      if (closed) return;
      closed = true;
      dispatcher.handlers.clear();
      reconnectHandlers.clear();
      await Promise.all([closeRedis(pub), closeRedis(sub)]);
    },
  };
}
