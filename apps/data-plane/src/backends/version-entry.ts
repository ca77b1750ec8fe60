import { UnavailableError } from '../errors.ts';
import type { VersionConfig } from '../routing/types.ts';
import { safeLoadReason } from './load-failure.ts';
import { runnerKey } from './load-runner.ts';
import type { BackendLogger, ModelRunner, VersionState } from './types.ts';

/** Why a version cannot serve now: 503 with Retry-After; the message names the version and the reason. */
export class VersionUnavailableError extends UnavailableError {
  constructor(
    readonly ref: string,
    readonly reason: string,
    retryAfterSeconds = 1,
  ) {
    super(`${ref} cannot be served: ${reason}`, retryAfterSeconds);
    this.name = 'VersionUnavailableError';
  }
}

/**
 * The version failed to load on this replica (session creation, digest, registered warm-up, ...):
 * 503 VERSION_LOAD_FAILED naming it, with a reason safe for any caller (see safeLoadReason).
 */
export class VersionLoadFailedError extends UnavailableError {
  constructor(
    readonly ref: string,
    readonly reason: string,
    retryAfterSeconds = 1,
  ) {
    super(`version ${ref} failed to load: ${reason}`, retryAfterSeconds, 'VERSION_LOAD_FAILED');
    this.name = 'VersionLoadFailedError';
  }
}

/** The manager's bookkeeping for one version id. */
export interface Entry {
  version: VersionConfig;
  /** runnerKey() of the version the ready runner was built for. */
  key: string;
  /** A replacement runner being built after a config change; the old one serves meanwhile. */
  replacing: Promise<ModelRunner> | null;
  state: VersionState;
  loading: Promise<ModelRunner> | null;
  failures: number;
  retryAt: number;
  lastUsed: number;
  /** Evicted by the load cap: its runner is closing, and late callers are served by a fresh one. */
  evicted?: boolean;
}

/** What {@link replaceRunner} needs from the manager. */
export interface ReplaceDeps {
  load(version: VersionConfig): Promise<ModelRunner>;
  /** False once the manager closed or dropped the entry: a late runner is released, not installed. */
  isCurrent(entry: Entry): boolean;
  logger: BackendLogger;
  /** How long before a failed replacement is tried again. */
  backoffMs: number;
  /** A fresh runner for a version evicted while a caller still held the old one. */
  reacquire?: (version: VersionConfig) => Promise<ModelRunner>;
}

/**
 * Make before break for a config change that needs a new runner (backend, artifact, worker
 * threads): the old runner serves until the new one is warm; a failed build keeps the old one.
 */
export function replaceRunner(entry: Entry, version: VersionConfig, deps: ReplaceDeps): Promise<ModelRunner> {
  const { id, ref } = version;
  const now = Date.now();
  if (now < entry.retryAt) {
    return Promise.reject(new VersionUnavailableError(ref, 'its new configuration failed to load'));
  }
  const replacing = deps.load(version).then(
    async (runner) => {
      entry.replacing = null;
      if (!deps.isCurrent(entry) || entry.state.status !== 'ready') {
        await runner.close();
        throw new VersionUnavailableError(ref, 'the replica is shutting down');
      }
      const old = entry.state.runner;
      entry.version = version;
      entry.key = runnerKey(version);
      entry.state = { status: 'ready', runner: trackUse(runner, entry, deps.reacquire) };
      deps.logger.info({ versionId: id, ref }, 'version reconfigured');
      old
        .close()
        .catch((err: unknown) => deps.logger.warn({ err, versionId: id }, 'releasing a runner failed'));
      return entry.state.runner;
    },
    (error: unknown) => {
      entry.replacing = null;
      entry.retryAt = Date.now() + deps.backoffMs;
      deps.logger.error(
        { err: error, versionId: id, ref },
        'new configuration failed to load; keeping the old',
      );
      throw new VersionUnavailableError(
        ref,
        `its new configuration failed to load: ${safeLoadReason(error, version.artifact?.sha256)}`,
      );
    },
  );
  entry.replacing = replacing;
  return replacing;
}

/**
 * Marks the version as used on every request, so idle release and the load cap measure real
 * traffic. A caller that acquired the runner just before the load cap evicted it is served by a
 * fresh runner from `reacquire` rather than failing on a closed session.
 */
export function trackUse(
  runner: ModelRunner,
  entry: Entry,
  reacquire?: (version: VersionConfig) => Promise<ModelRunner>,
  warmupWarning: string | null = runner.warmupWarning ?? null,
): ModelRunner {
  return {
    inputs: runner.inputs,
    outputs: runner.outputs,
    warmupWarning,
    infer: (inputs, options) => {
      if (entry.evicted && reacquire) {
        return reacquire(entry.version).then((fresh) => fresh.infer(inputs, options));
      }
      entry.lastUsed = Date.now();
      return runner.infer(inputs, options);
    },
    close: () => runner.close(),
  };
}
