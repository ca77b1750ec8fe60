import type { AppRouter } from '@modelplane/control-plane';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';

/** The typed hooks: `useTRPC()` gives query and mutation options for every procedure. */
export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

/**
 * The one client: same-origin requests to /trpc, authenticated by the HttpOnly session cookie the
 * browser sends by itself; the session's CSRF token goes in a header (the control plane requires it
 * on mutations, so a forged cross-site request is refused).
 */
export function createClient(csrfToken: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: '/trpc',
        headers: () => ({ 'x-csrf-token': csrfToken }),
        fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
      }),
    ],
  });
}

export type ApiClient = ReturnType<typeof createClient>;

/** The tRPC error code of a failed call, or null when the call never got an answer. */
export function errorCode(error: unknown): string | null {
  if (error instanceof TRPCClientError) {
    const data = error.data as { code?: string } | undefined;
    return data?.code ?? null;
  }
  return null;
}

/** What the page says about a failed call: the server's message, or why there was none. */
export function describeError(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const code = errorCode(error);
    if (code === null) return 'Cannot reach the control plane; retrying. Check that it is running.';
    if (code === 'INTERNAL_SERVER_ERROR' || code === 'SERVICE_UNAVAILABLE') {
      return `The control plane could not answer (${error.message}); retrying.`;
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
