import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

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

/**
 * Wires graceful shutdown into `app` (call before it listens). After the drain period the
 * listening socket closes and every response carries `Connection: close`, so keep-alive clients
 * move elsewhere instead of sending more; requests already accepted run to completion.
 */
export function attachLifecycle(app: FastifyInstance, options: LifecycleOptions = {}): Lifecycle {
  const drainMs = options.drainMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const hooks: ShutdownHook[] = [];
  let draining = false;
  let stopping = false;
  let inFlight = 0;
  let idle: (() => void) | null = null;
  let shutdown: Promise<{ abandoned: number }> | null = null;

  app.addHook('onRequest', (_request, reply, done) => {
    inFlight += 1;
    // 'close' fires after the response is sent and also when the client goes away first.
    reply.raw.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) idle?.();
    });
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (stopping) reply.header('connection', 'close');
    done(null, payload);
  });

  const run = async (): Promise<{ abandoned: number }> => {
    draining = true;
    options.logger?.info({ drainMs }, 'draining: not ready, still serving');
    await sleep(drainMs);
    stopping = true;
    options.logger?.info({ inFlight }, 'no longer accepting connections');
    app.server.close();
    app.server.closeIdleConnections();
    if (inFlight > 0) {
      const drained = new Promise<void>((resolve) => {
        idle = resolve;
      });
      await within(drained, timeoutMs);
    }
    const abandoned = inFlight;
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
      return inFlight;
    },
    onShutdown(hook) {
      hooks.push(hook);
    },
    shutdown() {
      shutdown ??= run();
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
