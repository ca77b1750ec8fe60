import type { Executor } from '@modelplane/db';
import { UnavailableError } from '../errors.ts';
import type { VersionConfig } from '../routing/types.ts';
import { ArtifactIntegrityError } from './artifact-cache.ts';
import { loadRunner } from './load-runner.ts';
import type { BackendManager, ModelRunner, VersionState } from './types.ts';

/** The logger surface the manager uses; pino satisfies it. */
export interface BackendLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options for {@link createBackendManager}. */
export interface BackendManagerOptions {
  /** The replica's own connection, for `artifact://` URIs. */
  db: Executor;
  /** The content-addressed artifact cache; it survives restarts, so keep it on persistent disk. */
  cacheDir: string;
  logger: BackendLogger;
  /** How long a version outside the retained set may sit unused before it is released; default 10 min. */
  idleReleaseMs?: number;
  /** Intra-op threads per ONNX session; default 1. */
  intraOpThreads?: number;
  /** Delay before the first retry of a failed version, doubling per failure; default 1 s. */
  retryBackoffMs?: number;
  /** Ceiling of that delay; default 60 s. */
  maxRetryBackoffMs?: number;
  /** Whole-download timeout for http(s) artifacts; default 120 s. */
  fetchTimeoutMs?: number;
  /** Largest artifact accepted; default 1 GiB. */
  maxArtifactBytes?: number;
}

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

interface Entry {
  version: VersionConfig;
  state: VersionState;
  loading: Promise<ModelRunner> | null;
  failures: number;
  retryAt: number;
  lastUsed: number;
}

const TEN_MINUTES = 10 * 60_000;

/**
 * Creates the replica's BackendManager. Loads are deduplicated per version id; a failed version stays
 * failed (rejecting at once) until its backoff expires, so a broken artifact is not fetched on every
 * request. Versions outside the last `retain()` set are released once idle for `idleReleaseMs`.
 */
export function createBackendManager(options: BackendManagerOptions): BackendManager {
  const { logger } = options;
  const idleReleaseMs = options.idleReleaseMs ?? TEN_MINUTES;
  const firstBackoff = options.retryBackoffMs ?? 1000;
  const maxBackoff = options.maxRetryBackoffMs ?? 60_000;
  const context = {
    db: options.db,
    cacheDir: options.cacheDir,
    intraOpThreads: options.intraOpThreads ?? 1,
    fetchTimeoutMs: options.fetchTimeoutMs,
    maxArtifactBytes: options.maxArtifactBytes,
  };
  const entries = new Map<string, Entry>();
  let retained: ReadonlySet<string> | null = null;
  let closed = false;
  const timer = setInterval(() => sweep(), Math.min(Math.max(idleReleaseMs / 4, 10), 60_000));
  // Idle release is housekeeping; it must never keep the process alive.
  timer.unref();

  function load(entry: Entry): Promise<ModelRunner> {
    const { id, ref } = entry.version;
    const started = Date.now();
    entry.state = { status: 'loading' };
    const loading = loadRunner(entry.version, context).then(
      async (runner) => {
        if (closed || entries.get(id) !== entry) {
          await runner.close();
          throw new VersionUnavailableError(ref, 'the replica is shutting down');
        }
        const tracked = trackUse(runner, entry);
        entry.state = { status: 'ready', runner: tracked };
        entry.loading = null;
        entry.failures = 0;
        logger.info({ versionId: id, ref, loadMs: Date.now() - started }, 'version ready');
        return tracked;
      },
      (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        const delay = Math.min(firstBackoff * 2 ** entry.failures, maxBackoff);
        entry.state = { status: 'failed', error: reason };
        entry.loading = null;
        entry.failures += 1;
        entry.retryAt = Date.now() + delay;
        const integrity =
          error instanceof ArtifactIntegrityError
            ? { alert: 'artifact_integrity', expectedSha256: error.expected, actualSha256: error.actual }
            : {};
        logger.error(
          { err: error, versionId: id, ref, retryInMs: delay, ...integrity },
          'version failed to load',
        );
        throw new VersionUnavailableError(ref, reason, Math.ceil(delay / 1000));
      },
    );
    entry.loading = loading;
    return loading;
  }

  function sweep(now = Date.now()): void {
    if (!retained) return;
    for (const [id, entry] of entries) {
      if (retained.has(id) || entry.loading || now - entry.lastUsed < idleReleaseMs) continue;
      entries.delete(id);
      if (entry.state.status !== 'ready') continue;
      logger.info({ versionId: id, ref: entry.version.ref }, 'releasing idle version');
      entry.state.runner.close().catch((err: unknown) => {
        logger.warn({ err, versionId: id }, 'releasing a runner failed');
      });
    }
  }

  return {
    ensureReady(version) {
      if (closed)
        return Promise.reject(new VersionUnavailableError(version.ref, 'the replica is shutting down'));
      const now = Date.now();
      let entry = entries.get(version.id);
      if (!entry) {
        entry = {
          version,
          state: { status: 'absent' },
          loading: null,
          failures: 0,
          retryAt: 0,
          lastUsed: now,
        };
        entries.set(version.id, entry);
      }
      entry.lastUsed = now;
      if (entry.state.status === 'ready') return Promise.resolve(entry.state.runner);
      if (entry.loading) return entry.loading;
      if (entry.state.status === 'failed' && now < entry.retryAt) {
        const retryAfter = Math.ceil((entry.retryAt - now) / 1000);
        return Promise.reject(new VersionUnavailableError(version.ref, entry.state.error, retryAfter));
      }
      entry.version = version;
      return load(entry);
    },
    state(versionId) {
      return entries.get(versionId)?.state ?? { status: 'absent' };
    },
    retain(versionIds) {
      retained = new Set(versionIds);
      sweep();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await Promise.allSettled([...entries.values()].map((e) => e.loading));
      const runners = [...entries.values()].flatMap((e) =>
        e.state.status === 'ready' ? [e.state.runner] : [],
      );
      entries.clear();
      await Promise.allSettled(runners.map((r) => r.close()));
    },
  };
}

/** Marks the version as used on every request, so idle release measures real traffic. */
function trackUse(runner: ModelRunner, entry: Entry): ModelRunner {
  return {
    inputs: runner.inputs,
    outputs: runner.outputs,
    infer: (inputs, options) => {
      entry.lastUsed = Date.now();
      return runner.infer(inputs, options);
    },
    close: () => runner.close(),
  };
}
