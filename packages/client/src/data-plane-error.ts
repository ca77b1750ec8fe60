import type { ErrorCode } from '@modelplane/schemas';
import { ERROR_CODES } from '@modelplane/schemas';

/** A failed call. `status` is 0 when no response arrived (timeout: DEADLINE_EXCEEDED; network: UNAVAILABLE). */
export class DataPlaneError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly requestId: string | null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'DataPlaneError';
  }
}

const FALLBACK_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  502: 'BAD_GATEWAY',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Reads both error shapes: `{ error: { code, message, requestId } }` (/v1) and `{ error: "CODE: message" }` (OIP). */
export function errorFromResponse(
  status: number,
  json: unknown,
  requestId: string | null,
  retryAfter: string | string[] | undefined,
): DataPlaneError {
  const fallback = FALLBACK_CODES[status] ?? 'INTERNAL';
  const error = (json as { error?: unknown } | undefined)?.error;
  let code: ErrorCode = fallback;
  let message = `HTTP ${status}`;
  if (typeof error === 'string') {
    const match = /^([A-Z_]+): ([\s\S]*)$/.exec(error);
    code = match && isErrorCode(match[1]) ? match[1] : fallback;
    message = match && isErrorCode(match[1]) ? (match[2] as string) : error;
  } else if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; message?: unknown; requestId?: unknown };
    if (isErrorCode(e.code)) code = e.code;
    if (typeof e.message === 'string') message = e.message;
    if (typeof e.requestId === 'string') requestId = e.requestId;
  }
  return new DataPlaneError(status, code, message, requestId, parseRetryAfter(headerValue(retryAfter)));
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Seconds from `Retry-After`: delta-seconds or an HTTP date; null when absent or unreadable. */
function parseRetryAfter(value: string | null): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export function headerValue(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

export function timeoutError(timeoutMs: number, requestId: string | null): DataPlaneError {
  return new DataPlaneError(0, 'DEADLINE_EXCEEDED', `the call timed out after ${timeoutMs} ms`, requestId);
}
