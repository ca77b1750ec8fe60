import { type Agent, errors, request } from 'undici';
import {
  createGuardedAgent,
  findRefusal,
  type NetworkPolicy,
  STRICT_NETWORK_POLICY,
} from '../network-policy.ts';

/** Options for {@link RemoteHttp}. */
export interface RemoteHttpOptions {
  /** Largest response body read from a backend; default 16 MiB. */
  maxResponseBytes?: number;
  /** TCP (and TLS) connect timeout; default 2000 ms. */
  connectTimeoutMs?: number;
  /** Keep-alive connections per backend origin; default 64. */
  connectionsPerOrigin?: number;
  /** Which addresses may be reached, checked on every new connection; default public only. */
  network?: NetworkPolicy;
}

/** The backend could not be reached, or the connection broke before a full response arrived. */
export class ConnectFailure extends Error {
  constructor(readonly detail: string) {
    super(`connection failed: ${detail}`);
    this.name = 'ConnectFailure';
  }
}

/** The backend answered, but not with something we accept (too large, not JSON). */
export class MalformedResponse extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'MalformedResponse';
  }
}

/** One HTTP exchange: the status, Retry-After in seconds when given, and the parsed JSON body. */
export interface HttpReply {
  status: number;
  retryAfterSeconds: number | undefined;
  /** Parsed for 2xx answers; for errors a short excerpt of the body, for the log. */
  json: unknown;
  errorText: string;
}

const ERROR_BODY_BYTES = 4096;

/**
 * JSON over HTTP to remote inference servers through undici keep-alive pools (one per origin).
 * Every call takes an AbortSignal (the request's deadline); an abort destroys the socket rather
 * than leaving it to the server, so a hanging backend leaks nothing. Bodies are read with a hard
 * byte cap, checked against Content-Length before reading and again while streaming.
 */
export class RemoteHttp {
  readonly #agent: Agent;
  readonly #maxBytes: number;
  #closed: Promise<void> | null = null;

  constructor(options: RemoteHttpOptions = {}) {
    this.#maxBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
    this.#agent = createGuardedAgent(options.network ?? STRICT_NETWORK_POLICY, {
      connections: options.connectionsPerOrigin ?? 64,
      connectTimeoutMs: options.connectTimeoutMs ?? 2000,
      keepAliveTimeoutMs: 4000,
    });
  }

  /** Sends one request; throws ConnectFailure, MalformedResponse or the signal's reason. */
  async call(
    method: 'GET' | 'POST',
    url: string,
    options: { signal: AbortSignal; body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpReply> {
    options.signal.throwIfAborted();
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method,
        dispatcher: this.#agent,
        signal: options.signal,
        headers: { accept: 'application/json', 'content-type': 'application/json', ...options.headers },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        // The deadline signal bounds every wait; undici's own timers would only add handles.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (error) {
      throw translate(error, options.signal);
    }
    const { statusCode: status, headers, body } = response;
    const ok = status >= 200 && status < 300;
    const limit = ok ? this.#maxBytes : ERROR_BODY_BYTES;
    const declared = Number(headers['content-length']);
    if (ok && Number.isFinite(declared) && declared > limit) {
      body.destroy();
      throw new MalformedResponse(`response of ${declared} bytes exceeds the ${limit}-byte limit`);
    }
    let text: string;
    try {
      text = await readCapped(body, limit, ok);
    } catch (error) {
      throw translate(error, options.signal);
    }
    const retryAfter = Number(headers['retry-after']);
    const reply: HttpReply = {
      status,
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
      json: undefined,
      errorText: ok ? '' : text,
    };
    if (!ok) return reply;
    try {
      reply.json = JSON.parse(text);
    } catch {
      throw new MalformedResponse('response body is not valid JSON');
    }
    return reply;
  }

  /** Closes every pooled connection. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#agent.close();
    return this.#closed;
  }
}

/** Reads at most `limit` bytes; a larger body is an error for answers we parse, truncated otherwise. */
async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): void },
  limit: number,
  strict: boolean,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      if (strict) throw new MalformedResponse(`response exceeds the ${limit}-byte limit`);
      chunks.push(chunk.subarray(0, chunk.length - (size - limit)));
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function translate(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof MalformedResponse) return error;
  // A refused destination is not a network fault: the endpoint reports it as such, never retries it.
  const refusal = findRefusal(error);
  if (refusal) return refusal;
  if (error instanceof errors.UndiciError || isNetworkError(error)) {
    const code = (error as { code?: string }).code ?? 'network error';
    return new ConnectFailure(code);
  }
  return error;
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}
