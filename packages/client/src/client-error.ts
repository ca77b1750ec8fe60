import { TRPCClientError } from '@trpc/client';

/** A failed call, sorted into what the caller can act on. */
export type ClientFailure =
  /** The server answered with an error: `code` is the tRPC error code, e.g. `NOT_FOUND`. */
  | { kind: 'api'; code: string; message: string }
  /** The request never got an answer: refused, reset, DNS, TLS. */
  | { kind: 'network'; message: string }
  /** The per-call timeout fired. */
  | { kind: 'timeout'; message: string }
  /** Anything else, e.g. a response that is not tRPC JSON. */
  | { kind: 'unknown'; message: string };

/** Classifies an error thrown by a {@link ControlPlaneClient} call. */
export function describeClientError(error: unknown): ClientFailure {
  if (error instanceof TRPCClientError) {
    const code = (error.data as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') return { kind: 'api', code, message: error.message };
    return describeCause(error.cause ?? error);
  }
  return describeCause(error);
}

function describeCause(error: unknown): ClientFailure {
  if (isNamed(error, 'TimeoutError')) return { kind: 'timeout', message: 'the request timed out' };
  // undici reports every connection problem as `TypeError: fetch failed` with the system error as cause.
  if (error instanceof TypeError && error.message === 'fetch failed') {
    return { kind: 'network', message: systemReason(error.cause) };
  }
  return { kind: 'unknown', message: error instanceof Error ? error.message : String(error) };
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && (error.name === name || isNamed(error.cause, name));
}

/** `connect ECONNREFUSED 127.0.0.1:7070`; an AggregateError (IPv4 and IPv6 both refused) has no message of its own. */
function systemReason(cause: unknown): string {
  if (!(cause instanceof Error)) return 'fetch failed';
  if (cause.message) return cause.message;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (cause instanceof AggregateError && cause.errors[0]) return systemReason(cause.errors[0]);
  return 'fetch failed';
}
