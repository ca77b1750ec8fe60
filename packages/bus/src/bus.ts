import type { BusMessage } from '@modelplane/schemas';

/** Config-change notifications between the control plane and data planes. */
export interface Bus {
  /** Validates and publishes `message`; rejects if it is invalid or cannot be sent in time. */
  publish(message: BusMessage): Promise<void>;
  /**
   * Calls `handler` for each valid message; invalid payloads are dropped and counted, never thrown.
   * Resolves, once the subscription is live, with a function that removes the handler.
   */
  subscribe(handler: (message: BusMessage) => void): Promise<() => Promise<void>>;
  /**
   * Calls `handler` whenever the subscriber connection becomes ready again after a disconnect, once
   * the subscription is live again, so callers can run a full reconcile (pub/sub drops messages
   * while disconnected). Returns a function that removes the handler.
   */
  onReconnect(handler: () => void): () => void;
  /** `received` counts every payload that arrived, `invalid` the ones that were dropped. */
  readonly stats: { received: number; invalid: number };
  close(): Promise<void>;
}

/** The channel config-change messages travel on for a deployment using `prefix`. */
export function configChannel(prefix: string): string {
  return `${prefix}config`;
}

/** Error thrown by a bus after `close()`. */
export class BusClosedError extends Error {
  constructor() {
    super('bus is closed');
    this.name = 'BusClosedError';
  }
}
