import { setTimeout as sleep } from 'node:timers/promises';
import { type BreakerOptions, CircuitBreaker } from '../circuit-breaker.ts';
import { findRefusal } from '../network-policy.ts';
import { RetryBudget, type RetryBudgetOptions } from '../retry-budget.ts';
import type { BackendStats, BreakerState, CallOutcome } from '../stats.ts';
import { BackendUnavailableError, BadGatewayError } from './errors.ts';
import { ConnectFailure, MalformedResponse, type RemoteHttp } from './http.ts';

/** Retry and breaker settings shared by every endpoint of a replica. */
export interface EndpointPolicy {
  breaker?: BreakerOptions;
  budget?: RetryBudgetOptions;
  /** Full-jitter backoff before the one retry: uniform in [0, retryBackoffMs]; default 50 ms. */
  retryBackoffMs?: number;
}

/** One call to a backend, already addressed. */
export interface EndpointRequest {
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  /** `name@version`, named in every error the caller sees. */
  ref: string;
  signal: AbortSignal;
  /** performance.now() at which the request's deadline expires; propagated to the backend. */
  deadlineAt?: number;
}

/** Thrown by a response parser when the body has the wrong shape or non-finite numbers. */
export class InvalidResponse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidResponse';
  }
}

/**
 * One backend endpoint: its circuit breaker and retry budget. `send` makes at most two attempts,
 * the second only after a connection failure or a 503, after a jittered pause, within the
 * request's deadline and only while the budget allows it.
 */
export class Endpoint {
  readonly breaker: CircuitBreaker;
  readonly #budget: RetryBudget;
  readonly #backoffMs: number;

  constructor(
    readonly url: string,
    private readonly http: RemoteHttp,
    private readonly stats: BackendStats | undefined,
    policy: EndpointPolicy,
  ) {
    this.breaker = new CircuitBreaker(url, stats, policy.breaker);
    this.#budget = new RetryBudget(policy.budget);
    this.#backoffMs = policy.retryBackoffMs ?? 50;
  }

  /** Sends `request` and parses a 2xx body with `parse`; throws domain errors for everything else. */
  async send<T>(request: EndpointRequest, parse: (json: unknown) => T): Promise<T> {
    this.#budget.recordRequest();
    for (let attempt = 1; ; attempt++) {
      if (!this.breaker.tryAcquire()) {
        this.stats?.recordShed({ reason: 'breaker-open', version: request.ref });
        throw new BackendUnavailableError(
          request.ref,
          'its circuit breaker is open after repeated failures',
          this.breaker.retryAfterSeconds(),
        );
      }
      const outcome = await this.#attempt(request, parse, attempt);
      if ('value' in outcome) return outcome.value;
      if (!outcome.retryable || attempt >= 2 || !(await this.#mayRetry(request, outcome))) {
        throw outcome.error;
      }
    }
  }

  async #attempt<T>(
    request: EndpointRequest,
    parse: (json: unknown) => T,
    attempt: number,
  ): Promise<{ value: T } | { error: unknown; retryable: boolean; retryAfterSeconds?: number }> {
    const started = performance.now();
    const record = (outcome: CallOutcome, status?: number) =>
      this.stats?.recordCall({
        endpoint: this.url,
        version: request.ref,
        attempt,
        outcome,
        ...(status !== undefined && { status }),
        latencyMs: performance.now() - started,
      });
    const headers: Record<string, string> = {};
    if (request.deadlineAt !== undefined) {
      headers['x-request-timeout-ms'] = String(Math.max(1, Math.floor(request.deadlineAt - started)));
    }
    let reply: Awaited<ReturnType<RemoteHttp['call']>>;
    try {
      reply = await this.http.call(request.method, request.url, {
        signal: request.signal,
        body: request.body,
        headers,
      });
    } catch (error) {
      if (request.signal.aborted) {
        // The deadline ran out while the backend held the request: a timeout, which counts.
        this.breaker.failure();
        record('timeout');
        return { error, retryable: false };
      }
      const refusal = findRefusal(error);
      if (refusal) {
        record('connect-error');
        // The reason names no address (viewers see it); `refusal.detail` does, for the log.
        const reason = `its destination was refused: ${refusal.message}`;
        return { error: new BackendUnavailableError(request.ref, reason), retryable: false };
      }
      if (error instanceof ConnectFailure) {
        this.breaker.failure();
        record('connect-error');
        return {
          error: new BackendUnavailableError(request.ref, 'it could not be reached'),
          retryable: true,
        };
      }
      this.breaker.failure();
      record('invalid-response');
      const reason = error instanceof MalformedResponse ? error.detail : 'the response could not be read';
      return { error: new BadGatewayError(request.ref, reason), retryable: false };
    }
    const { status } = reply;
    if (status >= 200 && status < 300) {
      try {
        const value = parse(reply.json);
        this.breaker.success();
        record('ok', status);
        return { value };
      } catch (error) {
        this.breaker.failure();
        record('invalid-response', status);
        const reason = error instanceof InvalidResponse ? error.message : 'the response has the wrong shape';
        return { error: new BadGatewayError(request.ref, reason), retryable: false };
      }
    }
    if (status === 503 || status === 429) {
      // 429 is the backend shedding load: not a fault to trip the breaker on, and not retried.
      if (status === 503) this.breaker.failure();
      else this.breaker.release();
      record('unavailable', status);
      const retryAfterSeconds = Math.min(Math.ceil(reply.retryAfterSeconds ?? 1), 60);
      return {
        error: new BackendUnavailableError(request.ref, `it answered HTTP ${status}`, retryAfterSeconds),
        retryable: status === 503,
        retryAfterSeconds: reply.retryAfterSeconds,
      };
    }
    // A 4xx means the backend is alive and disagrees with the request; a 5xx is a backend fault.
    if (status >= 500) this.breaker.failure();
    else this.breaker.success();
    record('http-error', status);
    return {
      error: new BadGatewayError(request.ref, `it answered HTTP ${status}`),
      retryable: false,
    };
  }

  /** Pauses for the jittered backoff when the deadline and the retry budget both allow a retry. */
  async #mayRetry(request: EndpointRequest, failure: { retryAfterSeconds?: number }): Promise<boolean> {
    const pause = Math.random() * this.#backoffMs;
    const remaining = request.deadlineAt === undefined ? Infinity : request.deadlineAt - performance.now();
    // A backend asking for more patience than the request has left is not worth a second call.
    const askedMs = (failure.retryAfterSeconds ?? 0) * 1000;
    if (askedMs > remaining || pause + 1 >= remaining) return false;
    const allowed = this.#budget.tryRetry();
    this.stats?.recordRetry(this.url, request.ref, allowed);
    if (!allowed) return false;
    await sleep(pause, undefined, { signal: request.signal });
    return true;
  }
}

/** Every endpoint this replica talks to, created on first use; they live as long as the replica. */
export class Endpoints {
  readonly #byUrl = new Map<string, Endpoint>();

  constructor(
    readonly http: RemoteHttp,
    private readonly stats: BackendStats | undefined,
    private readonly policy: EndpointPolicy,
  ) {
    stats?.setSources({ breakers: () => this.states() });
  }

  get(url: string): Endpoint {
    let endpoint = this.#byUrl.get(url);
    if (!endpoint) {
      endpoint = new Endpoint(url, this.http, this.stats, this.policy);
      this.#byUrl.set(url, endpoint);
    }
    return endpoint;
  }

  states(): Array<{ endpoint: string; state: BreakerState }> {
    return [...this.#byUrl.values()].map((e) => ({ endpoint: e.url, state: e.breaker.state }));
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
