import { isAbsolute } from 'node:path';
import { parseHostAllowlist } from '@modelplane/schemas';
import { z } from 'zod';
import type { AdmissionLimits } from '../overload/admission.ts';
import type { LoadGuardOptions } from '../overload/load-guard.ts';
import { DEFAULT_MAX_LOADED_VERSIONS } from './load-cap.ts';
import type { Resolver } from './network-policy.ts';
import type { RemoteSettings } from './remote/context.ts';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
const ratio = (fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().min(0).max(1).default(fallback));

/**
 * Environment variables for remote backends, deadlines, overload protection and shutdown. Both
 * the standalone data plane and the all-in-one server spread this into their own schema, so one
 * variable means the same thing everywhere. docs/backends.md describes each.
 */
export const ServingEnvShape = {
  BACKEND_HOST_ALLOWLIST: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        try {
          return parseHostAllowlist(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
  ),
  // Opt-in for on-premises hosts: artifact URLs and remote backends may then reach loopback and private addresses.
  ALLOW_PRIVATE_NETWORK_BACKENDS: z.preprocess(
    emptyAsUndefined,
    z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
  ),
  // file:// artifacts are read only from under this directory; unset refuses them (the embedded mode defaults it to /).
  ARTIFACT_FILE_ROOT: z.preprocess(
    emptyAsUndefined,
    z.string().refine(isAbsolute, 'must be an absolute directory path').optional(),
  ),
  ARTIFACT_FETCH_TIMEOUT_MS: int(1, 3_600_000, 120_000),
  MAX_DEADLINE_MS: int(1, 600_000, 30_000),
  BACKEND_MAX_RESPONSE_BYTES: int(1024, 1024 * 1024 * 1024, 16 * 1024 * 1024),
  BACKEND_CONNECT_TIMEOUT_MS: int(1, 60_000, 2000),
  BACKEND_CONNECTIONS: int(1, 4096, 64),
  BACKEND_LOAD_TIMEOUT_MS: int(1, 600_000, 10_000),
  BREAKER_FAILURE_THRESHOLD: int(1, 1_000_000, 5),
  BREAKER_OPEN_MS: int(1, 3_600_000, 5000),
  BREAKER_MAX_OPEN_MS: int(1, 3_600_000, 60_000),
  RETRY_BUDGET_RATIO: ratio(0.2),
  RETRY_BUDGET_MIN: int(0, 1000, 3),
  RETRY_BACKOFF_MS: int(0, 10_000, 50),
  DEFAULT_MAX_IN_FLIGHT: int(1, 100_000, 64),
  DEFAULT_MAX_QUEUE: int(0, 1_000_000, 256),
  DEFAULT_QUEUE_TIMEOUT_MS: int(1, 600_000, 1000),
  EVENT_LOOP_LAG_LIMIT_MS: int(0, 60_000, 200),
  HEAP_LIMIT_RATIO: ratio(0.9),
  SHUTDOWN_DRAIN_MS: int(0, 600_000, 10_000),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000, 30_000),
  // The last shutdown step: closing sessions, workers and remote connections, bounded so a hung
  // backend cannot keep the process from exiting.
  SHUTDOWN_BACKEND_CLOSE_MS: int(0, 600_000, 5000),
  MAX_LOADED_VERSIONS: int(1, 100_000, DEFAULT_MAX_LOADED_VERSIONS),
};

const ServingEnvSchema = z.object(ServingEnvShape);

/** The parsed serving variables. */
export type ServingConfig = z.infer<typeof ServingEnvSchema>;

/** The settings createDataPlane takes, from the parsed serving variables. */
export function servingSettings(config: ServingConfig): ServingSettings {
  return {
    network: { allowPrivateNetwork: config.ALLOW_PRIVATE_NETWORK_BACKENDS },
    artifacts: {
      ...(config.ARTIFACT_FILE_ROOT !== undefined && { fileRoot: config.ARTIFACT_FILE_ROOT }),
      fetchTimeoutMs: config.ARTIFACT_FETCH_TIMEOUT_MS,
    },
    remote: {
      hostAllowlist: config.BACKEND_HOST_ALLOWLIST,
      maxResponseBytes: config.BACKEND_MAX_RESPONSE_BYTES,
      connectTimeoutMs: config.BACKEND_CONNECT_TIMEOUT_MS,
      connectionsPerOrigin: config.BACKEND_CONNECTIONS,
      loadTimeoutMs: config.BACKEND_LOAD_TIMEOUT_MS,
      breaker: {
        failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
        openMs: config.BREAKER_OPEN_MS,
        maxOpenMs: config.BREAKER_MAX_OPEN_MS,
      },
      budget: { ratio: config.RETRY_BUDGET_RATIO, minRetries: config.RETRY_BUDGET_MIN },
      retryBackoffMs: config.RETRY_BACKOFF_MS,
    },
    execution: {
      maxDeadlineMs: config.MAX_DEADLINE_MS,
      admission: {
        maxInFlight: config.DEFAULT_MAX_IN_FLIGHT,
        maxQueue: config.DEFAULT_MAX_QUEUE,
        queueTimeoutMs: config.DEFAULT_QUEUE_TIMEOUT_MS,
      },
    },
    guard: { lagLimitMs: config.EVENT_LOOP_LAG_LIMIT_MS, heapLimitRatio: config.HEAP_LIMIT_RATIO },
    shutdown: {
      drainMs: config.SHUTDOWN_DRAIN_MS,
      timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      backendCloseMs: config.SHUTDOWN_BACKEND_CLOSE_MS,
    },
    maxLoadedVersions: config.MAX_LOADED_VERSIONS,
  };
}

/** Serving settings as createDataPlane takes them: every part and field optional (defaults apply). */
export interface ServingSettings {
  /** Outbound connections of artifact downloads and remote backends (see network-policy.ts). */
  network?: { allowPrivateNetwork?: boolean; resolve?: Resolver };
  /** Artifact fetching: the file:// root (unset refuses file://) and the whole-fetch timeout. */
  artifacts?: { fileRoot?: string; fetchTimeoutMs?: number };
  remote?: RemoteSettings;
  execution?: { maxDeadlineMs?: number; admission?: Partial<AdmissionLimits> };
  guard?: LoadGuardOptions;
  shutdown?: { drainMs?: number; timeoutMs?: number; backendCloseMs?: number };
  /** Sessions kept loaded before pinned versions are evicted (see backends/load-cap.ts). */
  maxLoadedVersions?: number;
}
