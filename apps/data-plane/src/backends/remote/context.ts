import type { BreakerOptions } from '../circuit-breaker.ts';
import { type NetworkPolicy, STRICT_NETWORK_POLICY } from '../network-policy.ts';
import type { RetryBudgetOptions } from '../retry-budget.ts';
import type { BackendStats } from '../stats.ts';
import { Endpoints } from './endpoint.ts';
import { RemoteHttp } from './http.ts';

/** What remote backends need: the shared endpoints (pools, breakers, budgets) and their limits. */
export interface RemoteContext {
  endpoints: Endpoints;
  /** Hosts remote versions may reach; empty allows any. */
  hostAllowlist: readonly string[];
  /** Bound on reading a remote model's metadata at load. */
  loadTimeoutMs: number;
  /** Outbound deadline for a call that arrives without one. */
  defaultTimeoutMs: number;
}

/** Settings for remote (oip, tfserving) backends; every field has a default. */
export interface RemoteSettings {
  hostAllowlist?: readonly string[];
  maxResponseBytes?: number;
  connectTimeoutMs?: number;
  connectionsPerOrigin?: number;
  loadTimeoutMs?: number;
  breaker?: BreakerOptions;
  budget?: RetryBudgetOptions;
  retryBackoffMs?: number;
}

/** The replica's remote-backend machinery: one HTTP agent, endpoints with breakers and budgets. */
export function createRemoteContext(
  settings: RemoteSettings,
  stats: BackendStats | undefined,
  defaultTimeoutMs: number,
  network: NetworkPolicy = STRICT_NETWORK_POLICY,
): RemoteContext & { close(): Promise<void> } {
  const http = new RemoteHttp({
    network,
    ...(settings.maxResponseBytes !== undefined && { maxResponseBytes: settings.maxResponseBytes }),
    ...(settings.connectTimeoutMs !== undefined && { connectTimeoutMs: settings.connectTimeoutMs }),
    ...(settings.connectionsPerOrigin !== undefined && {
      connectionsPerOrigin: settings.connectionsPerOrigin,
    }),
  });
  const endpoints = new Endpoints(http, stats, {
    ...(settings.breaker && { breaker: settings.breaker }),
    ...(settings.budget && { budget: settings.budget }),
    ...(settings.retryBackoffMs !== undefined && { retryBackoffMs: settings.retryBackoffMs }),
  });
  return {
    endpoints,
    hostAllowlist: settings.hostAllowlist ?? [],
    loadTimeoutMs: settings.loadTimeoutMs ?? 10_000,
    defaultTimeoutMs,
    close: () => endpoints.close(),
  };
}
