import { type BusMessage, BusMessageSchema } from '@modelplane/schemas';
import type { WarnLogger } from './redis.ts';

/** Handlers and counters shared by the Redis and in-memory buses, so both decode identically. */
export interface Dispatcher {
  readonly handlers: Set<(message: BusMessage) => void>;
  readonly stats: { received: number; invalid: number };
  dispatch(payload: string): void;
}

/** Builds the {@link Dispatcher} both bus implementations use to decode payloads and fan them out. */
export function createDispatcher(logger?: WarnLogger): Dispatcher {
  const handlers = new Set<(message: BusMessage) => void>();
  const stats = { received: 0, invalid: 0 };
  const dispatch = (payload: string) => {
    stats.received++;
    const message = decode(payload);
    if (message === undefined) {
      stats.invalid++;
      logger?.warn({ payload: payload.slice(0, 200) }, 'dropped invalid bus message');
      return;
    }
    for (const handler of [...handlers]) {
      // One failing subscriber must not starve the others or break the connection's reader.
      try {
        handler(message);
      } catch (err) {
        logger?.warn({ err, kind: message.kind }, 'bus handler threw');
      }
    }
  };
  return { handlers, stats, dispatch };
}

function decode(payload: string): BusMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const result = BusMessageSchema.safeParse(json);
  return result.success ? result.data : undefined;
}

/** Validates `message` and returns its wire form. */
export function encodeBusMessage(message: BusMessage): string {
  return JSON.stringify(BusMessageSchema.parse(message));
}
