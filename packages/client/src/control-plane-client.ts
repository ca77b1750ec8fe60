import type { AppRouter } from '@modelplane/control-plane';
import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';

/** The typed tRPC client for the control plane's `AppRouter`. */
export type ControlPlaneClient = TRPCClient<AppRouter>;

/** The control plane's router type, for `inferRouterInputs` / `inferRouterOutputs` from `@trpc/server`. */
export type { AppRouter };

/** Options for {@link createControlPlaneClient}. */
export interface ControlPlaneClientOptions {
  /** Base URL of the control plane, e.g. `http://127.0.0.1:7070` (the `/trpc` path is added here). */
  url: string;
  /** Bearer token sent on every call. */
  token: string;
  /** Per-call timeout in milliseconds (default 30000). */
  timeoutMs?: number;
}

/** Default per-call timeout: long enough for a slow migration-era call, short enough not to hang a script. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The tRPC endpoint under a control-plane base URL, tolerating a trailing slash. */
export function trpcEndpoint(url: string): string {
  return `${url.replace(/\/+$/, '')}/trpc`;
}

/**
 * Creates a typed client for the control plane. One HTTP request per call (no batching), each
 * carrying `authorization: Bearer <token>` and aborted after `timeoutMs`.
 */
export function createControlPlaneClient(options: ControlPlaneClientOptions): ControlPlaneClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const authorization = `Bearer ${options.token}`;
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: trpcEndpoint(options.url),
        headers: () => ({ authorization }),
        // A fresh timeout per request; a caller's own abort signal still wins if it fires first.
        fetch: (input, init) => {
          const timeout = AbortSignal.timeout(timeoutMs);
          const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
          return fetch(input, { ...init, signal } as RequestInit);
        },
      }),
    ],
  });
}
