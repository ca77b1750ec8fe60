import type { BusMessage } from '@modelplane/schemas';
import { type Bus, BusClosedError } from './bus.ts';
import { createDispatcher, encodeBusMessage } from './dispatcher.ts';
import type { WarnLogger } from './redis.ts';

/**
 * An in-process {@link Bus} for the embedded mode (no REDIS_URL). Messages go through the same JSON
 * encoding and validation as over Redis and arrive asynchronously, so callers cannot come to rely
 * on a synchronous delivery that Redis would not give them. It never reconnects.
 */
export function createMemoryBus(options: { logger?: WarnLogger } = {}): Bus {
  const dispatcher = createDispatcher(options.logger);
  let closed = false;

  return {
    async publish(message: BusMessage) {
      if (closed) throw new BusClosedError();
      const payload = encodeBusMessage(message);
      setImmediate(() => {
        if (!closed) dispatcher.dispatch(payload);
      });
    },
    async subscribe(handler) {
      if (closed) throw new BusClosedError();
      dispatcher.handlers.add(handler);
      return async () => {
        dispatcher.handlers.delete(handler);
      };
    },
    onReconnect() {
      return () => {};
    },
    get stats() {
      return { ...dispatcher.stats };
    },
    async close() {
      closed = true;
      dispatcher.handlers.clear();
    },
  };
}
