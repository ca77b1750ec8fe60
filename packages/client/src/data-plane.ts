import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ColumnarPredictResponse,
  ColumnarPredictResponseSchema,
  type FeedbackRequest,
  type InferRequest,
  type InferResponse,
  InferResponseSchema,
  type PredictResponse,
  PredictResponseSchema,
} from '@modelplane/schemas';
import { Agent, request } from 'undici';
import { DataPlaneError, errorFromResponse, headerValue, timeoutError } from './data-plane-error.ts';

export type {
  ColumnarPredictResponse,
  ErrorCode,
  FeedbackRequest,
  InferRequest,
  InferResponse,
  PredictResponse,
} from '@modelplane/schemas';
export { DataPlaneError } from './data-plane-error.ts';

/** The part of a Zod schema used here; this package does not depend on zod directly. */
interface Parser<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/** Options for {@link createDataPlaneClient}. */
export interface DataPlaneClientOptions {
  /** Base URL of a data-plane replica or its load balancer, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** A predict token, sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Budget for a whole call, including the one retry and its wait (default 10000 ms). */
  timeoutMs?: number;
  /**
   * One jittered retry on a 503 that carries Retry-After (default on). The retry is skipped when
   * the server asks for a longer wait than `maxRetryAfterMs` (default 5000) or the budget has left.
   */
  retry?: boolean | { maxRetryAfterMs?: number };
  /** Keep-alive connections per origin (default 32). */
  connections?: number;
}

/** Per-call options shared by predict and infer. */
export interface CallOptions {
  /** Sticky assignment: the same key lands on the same version while the split is unchanged. */
  routingKey?: string;
  /** Pin a version (`2.0.0` or `name@2.0.0`); any non-archived version may be pinned. */
  version?: string;
  /** Your own id, sent as `x-request-id`: the server logs it and echoes it as `x-client-request-id`, and mints the request id feedback joins on. */
  requestId?: string;
  /**
   * This call's deadline in milliseconds, instead of the client's `timeoutMs`. It is also sent as
   * `x-request-timeout-ms`, so the server gives up (504 DEADLINE_EXCEEDED) when the caller does.
   */
  timeoutMs?: number;
}

/** The answer to {@link DataPlaneClient.feedback}: stored for joining on `requestId`. */
export interface FeedbackAccepted {
  accepted: true;
  requestId: string;
}

export type RowPredictInput = CallOptions & { instances: unknown[]; inputs?: never };
export type ColumnarPredictInput = CallOptions & { inputs: unknown; instances?: never };

/** A typed client for the data plane's TF-Serving and Open Inference Protocol routes. */
export interface DataPlaneClient {
  predict(model: string, input: RowPredictInput): Promise<PredictResponse>;
  predict(model: string, input: ColumnarPredictInput): Promise<ColumnarPredictResponse>;
  infer(model: string, body: InferRequest, options?: CallOptions): Promise<InferResponse>;
  /**
   * Reports the outcome of a prediction (`true`/`false` for a conversion, a number for a value),
   * joined on the `requestId` the prediction returned. Only `timeoutMs` of the options applies.
   */
  feedback(feedback: FeedbackRequest, options?: Pick<CallOptions, 'timeoutMs'>): Promise<FeedbackAccepted>;
  /** Closes the keep-alive connections. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 5000;
/** Creates a data-plane client over one keep-alive connection pool; call `close()` when done. */
export function createDataPlaneClient(options: DataPlaneClientOptions): DataPlaneClient {
  const base = options.url.replace(/\/+$/, '');
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retry = options.retry ?? true;
  const maxRetryAfterMs =
    retry === false
      ? -1
      : ((retry === true ? undefined : retry.maxRetryAfterMs) ?? DEFAULT_MAX_RETRY_AFTER_MS);
  const agent = new Agent({ connections: options.connections ?? 32, keepAliveTimeout: 30_000 });

  async function call<T>(path: string, body: unknown, opts: CallOptions, schema: Parser<T>): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.timeoutMs !== undefined)
      headers['x-request-timeout-ms'] = String(Math.max(1, Math.floor(timeoutMs)));
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (opts.requestId) headers['x-request-id'] = opts.requestId;
    if (opts.routingKey !== undefined) headers['x-routing-key'] = opts.routingKey;
    if (opts.version !== undefined && !path.startsWith('/v2/')) headers['x-model-version'] = opts.version;
    const payload = JSON.stringify(body);
    const signal = AbortSignal.timeout(timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const outcome = await send(`${base}${path}`, headers, payload, signal, timeoutMs);
      if (outcome.ok) return parseSuccess(outcome, schema);
      const error = outcome.error;
      const waitMs = error.retryAfterSeconds === null ? null : error.retryAfterSeconds * 1000;
      const retryable = attempt === 0 && error.status === 503 && waitMs !== null && waitMs <= maxRetryAfterMs;
      if (!retryable) throw error;
      // Jitter spreads the retries of many callers that were all told the same Retry-After.
      const delay = waitMs + Math.random() * (100 + waitMs / 4);
      if (Date.now() + delay >= deadline) throw error;
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        throw timeoutError(timeoutMs, error.requestId);
      }
    }
  }

  async function send(
    url: string,
    headers: Record<string, string>,
    payload: string,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<
    | { ok: true; status: number; json: unknown; requestId: string | null }
    | { ok: false; error: DataPlaneError }
  > {
    let response: Awaited<ReturnType<typeof request>>;
    let text: string;
    try {
      response = await request(url, { method: 'POST', headers, body: payload, dispatcher: agent, signal });
      text = await response.body.text();
    } catch (error) {
      if (signal.aborted)
        return { ok: false, error: timeoutError(timeoutMs, headers['x-request-id'] ?? null) };
      const reason = error instanceof Error ? error.message || error.name : String(error);
      return { ok: false, error: new DataPlaneError(0, 'UNAVAILABLE', `request failed: ${reason}`, null) };
    }
    const requestId = headerValue(response.headers['x-request-id']);
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return { ok: true, status: response.statusCode, json, requestId };
    }
    return {
      ok: false,
      error: errorFromResponse(response.statusCode, json, requestId, response.headers['retry-after']),
    };
  }

  const client = {
    predict(model: string, input: RowPredictInput | ColumnarPredictInput) {
      const { routingKey, version, requestId, timeoutMs, ...body } = input;
      const schema = input.instances !== undefined ? PredictResponseSchema : ColumnarPredictResponseSchema;
      const path = `/v1/models/${encodeURIComponent(model)}:predict`;
      return call<unknown>(path, body, { routingKey, version, requestId, timeoutMs }, schema);
    },
    infer(model: string, body: InferRequest, opts: CallOptions = {}) {
      const version = opts.version === undefined ? '' : `/versions/${encodeURIComponent(opts.version)}`;
      return call(`/v2/models/${encodeURIComponent(model)}${version}/infer`, body, opts, InferResponseSchema);
    },
    feedback(feedback: FeedbackRequest, opts: Pick<CallOptions, 'timeoutMs'> = {}) {
      return call('/v1/feedback', feedback, { timeoutMs: opts.timeoutMs }, FeedbackAcceptedParser);
    },
    close: () => agent.close(),
  };
  return client as DataPlaneClient;
}

const FeedbackAcceptedParser: Parser<FeedbackAccepted> = {
  safeParse(value) {
    const body = value as Partial<FeedbackAccepted> | undefined;
    return body?.accepted === true && typeof body.requestId === 'string'
      ? { success: true, data: { accepted: true, requestId: body.requestId } }
      : { success: false };
  },
};

function parseSuccess<T>(
  outcome: { status: number; json: unknown; requestId: string | null },
  schema: Parser<T>,
): T {
  const parsed = schema.safeParse(outcome.json);
  if (parsed.success) return parsed.data;
  throw new DataPlaneError(
    outcome.status,
    'INTERNAL',
    'the data plane sent an unexpected response body',
    outcome.requestId,
  );
}
