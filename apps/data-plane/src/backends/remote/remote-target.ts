import { type Backend, isHostAllowed } from '@modelplane/schemas';
import type { VersionConfig } from '../../routing/types.ts';
import type { InferOptions } from '../types.ts';
import { BackendUnavailableError } from './errors.ts';

/** A remote version's address and naming. */
export interface RemoteTarget {
  ref: string;
  /** The registered URL without a trailing slash. */
  baseUrl: string;
  remoteName: string;
  remoteVersion: string | undefined;
  /** Runs `fn` with the caller's signal, or with a fallback deadline when the caller gave none. */
  withSignal<T>(options: InferOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/** The host is not on BACKEND_HOST_ALLOWLIST: the version never connects. */
export class HostNotAllowedError extends Error {
  constructor(ref: string, host: string) {
    super(`${ref}: backend host ${host} is not on this replica's BACKEND_HOST_ALLOWLIST`);
    this.name = 'HostNotAllowedError';
  }
}

/**
 * Addresses a remote version, checking the host against the allowlist here, at connect time, as
 * well as at registration: the list can differ between the control plane and a replica, and a
 * version registered before the list tightened must not be reached either.
 */
export function remoteTarget(
  version: VersionConfig,
  backend: Extract<Backend, { url: string }>,
  allowlist: readonly string[],
  defaultTimeoutMs: number,
): RemoteTarget {
  const url = new URL(backend.url);
  if (!isHostAllowed(url, allowlist)) throw new HostNotAllowedError(version.ref, url.host);
  return {
    ref: version.ref,
    baseUrl: backend.url.replace(/\/+$/, ''),
    remoteName: backend.remoteName,
    remoteVersion: backend.remoteVersion,
    async withSignal(options, fn) {
      if (options.signal) return fn(options.signal);
      const { signal, done } = loadSignal(defaultTimeoutMs);
      try {
        return await fn(signal);
      } finally {
        done();
      }
    },
  };
}

/** A signal that aborts after `timeoutMs`, and the cleanup that clears its timer. */
export function loadSignal(timeoutMs: number): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  return { signal: controller.signal, done: () => clearTimeout(timer) };
}

/** A load that failed: a domain error naming the version, so readiness reports say why. */
export function remoteUnreachableOnLoad(target: RemoteTarget, error: unknown, signal: AbortSignal): Error {
  if (signal.aborted) return new BackendUnavailableError(target.ref, 'its metadata did not arrive in time');
  return error instanceof Error ? error : new Error(String(error));
}
