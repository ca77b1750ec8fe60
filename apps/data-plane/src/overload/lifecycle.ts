import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { InFlightList } from '../in-flight-list.ts';

/** Options for {@link attachLifecycle}. */
export interface LifecycleOptions {
  /** How long the replica keeps serving after turning not-ready, so load balancers notice; default 10 s. */
  drainMs?: number;
  /** How long to wait for in-flight requests once no more are accepted; default 30 s. */
  timeoutMs?: number;
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

/** A task run during shutdown after the last request finished, before routing and backends close. */
export type ShutdownHook = () => Promise<void> | void;

/** The replica's serving lifecycle: readiness during drain, in-flight tracking and shutdown. */
export interface Lifecycle {
  /** True from the moment shutdown starts: /readyz answers 503. */
  readonly draining: boolean;
  /** Requests that have arrived and not yet finished (responded or aborted). */
  readonly inFlight: number;
  /** Adds a flush step (e.g. the prediction-log buffer); hooks run in order, each bounded by the timeout. */
  onShutdown(hook: ShutdownHook): void;
  /**
   * Turns not ready, keeps serving for the drain period, stops accepting, waits for in-flight
   * requests up to the timeout, runs the shutdown hooks, then closes the app. Idempotent.
   */
  shutdown(): Promise<{ abandoned: number }>;
}

/** The part of the lifecycle the app's one onRequest hook calls: counts the request as in flight. */
export interface RequestTracker {
  track(response: ServerResponse): void;
}

/**
 * Graceful shutdown for an app built with this as its request tracker (`AppDeps.tracker`) (the app's onRequest
 * hook calls `track`, so the lifecycle adds no hooks of its own). Call `bind(app)` before shutdown.
 * After the drain period the listening socket closes and every response carries `Connection: close`,
 * so keep-alive clients move elsewhere instead of sending more; requests already accepted run to
 * completion.
 */
export function createLifecycle(
  options: LifecycleOptions = {},
): Lifecycle & RequestTracker & { bind(app: FastifyInstance): void } {
  const drainMs = options.drainMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const hooks: ShutdownHook[] = [];
  let draining = false;
  let stopping = false;
  // The responses not yet finished: a list (not a count) so that those still in flight when the
  // server stops can be told to close their connection; not a Set (see InFlightList).
  const inFlight = new InFlightList<ServerResponse>();
  let idle: (() => void) | null = null;
  let shutdown: Promise<{ abandoned: number }> | null = null;
  let boundApp: FastifyInstance | null = null;

  const track = (response: ServerResponse): void => {
    const entry = inFlight.add(response);
    // 'close' fires once, after the response is sent or when the client goes away.
    response.on('close', () => {
      inFlight.remove(entry);
      if (inFlight.size === 0) idle?.();
    });
    if (stopping) response.setHeader('connection', 'close');
  };

  const run = async (app: FastifyInstance): Promise<{ abandoned: number }> => {
    draining = true;
    options.logger?.info({ drainMs }, 'draining: not ready, still serving');
    await sleep(drainMs);
    stopping = true;
    for (const response of inFlight.values())
      if (!response.headersSent) response.setHeader('connection', 'close');
    options.logger?.info({ inFlight: inFlight.size }, 'no longer accepting connections');
    app.server.close();
    app.server.closeIdleConnections();
    if (inFlight.size > 0) {
      const drained = new Promise<void>((resolve) => {
        idle = resolve;
      });
      await within(drained, timeoutMs);
    }
    const abandoned = inFlight.size;
    if (abandoned > 0) options.logger?.warn({ abandoned, timeoutMs }, 'shutdown timeout: requests abandoned');
    app.server.closeAllConnections();
    for (const hook of hooks) {
      try {
        await within(Promise.resolve(hook()), timeoutMs);
      } catch (err) {
        options.logger?.warn({ err }, 'a shutdown hook failed');
      }
    }
    await app.close();
    return { abandoned };
  };

  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight.size;
    },
    track,
    bind(app) {
      boundApp = app;
    },
    onShutdown(hook) {
      hooks.push(hook);
    },
    shutdown() {
      const app = boundApp;
      if (!app) throw new Error('lifecycle: bind(app) before shutdown');
      shutdown ??= run(app);
      return shutdown;
    },
  };
}

/** Waits for `promise` or `ms`, whichever is first, leaving no timer behind. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  const controller = new AbortController();
  try {
    await Promise.race([promise, sleep(ms, undefined, { signal: controller.signal }).catch(() => {})]);
  } finally {
    controller.abort();
  }
}
