import type { Executor } from '@modelplane/db';
import type { VersionConfig } from '../routing/types.ts';
import { ArtifactIntegrityError } from './artifact-cache.ts';
import { countLoaded, DEFAULT_MAX_LOADED_VERSIONS, evictionCandidates } from './load-cap.ts';
import { safeLoadReason, scrub, WarmupFailedError } from './load-failure.ts';
import { loadRunner, runnerKey } from './load-runner.ts';
import type { NetworkPolicy, Resolver } from './network-policy.ts';
import { createRemoteContext, type RemoteSettings } from './remote/context.ts';
import type { BackendStats } from './stats.ts';
import type { BackendLogger, BackendManager, ModelRunner } from './types.ts';
import {
  type Entry,
  replaceRunner,
  trackUse,
  VersionLoadFailedError,
  VersionUnavailableError,
} from './version-entry.ts';

export { VersionLoadFailedError, VersionUnavailableError } from './version-entry.ts';

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
  /** ARTIFACT_FILE_ROOT: `file://` artifacts are read only from under it; unset refuses them. */
  artifactFileRoot?: string;
  /** ALLOW_PRIVATE_NETWORK_BACKENDS (default false) and a resolver hook for tests; see network-policy.ts. */
  network?: { allowPrivateNetwork?: boolean; resolve?: Resolver };
  /** Remote (oip, tfserving) backends: allowlist, limits, breaker and retry policy. */
  remote?: RemoteSettings;
  /** Where backend telemetry goes (calls, breakers, batches). */
  stats?: BackendStats;
  /** Outbound deadline for remote calls that arrive without one; default 30 s. */
  defaultTimeoutMs?: number;
  /**
   * Longest `close()` waits for loads, runners and remote connections to wind down; default 5 s.
   * Past it, close resolves anyway (and logs what it left), so a hung backend cannot stall shutdown.
   */
  closeTimeoutMs?: number;
  /**
   * Loaded versions kept before pinned ones are evicted, least recently used first; versions the
   * routing tables send traffic to are never evicted. Default {@link DEFAULT_MAX_LOADED_VERSIONS}.
   */
  maxLoadedVersions?: number;
}

const TEN_MINUTES = 10 * 60_000;

/**
 * Creates the replica's BackendManager. Loads are deduplicated per version id; a failed version stays
 * failed (rejecting at once) until its backoff expires, so a broken artifact is not fetched on every
 * request. Versions outside the last `retain()` set are released once idle for `idleReleaseMs`, or
 * sooner, least recently used first, when loading another would exceed `maxLoadedVersions`.
 */
export function createBackendManager(options: BackendManagerOptions): BackendManager {
  const { logger } = options;
  const idleReleaseMs = options.idleReleaseMs ?? TEN_MINUTES;
  const firstBackoff = options.retryBackoffMs ?? 1000;
  const maxBackoff = options.maxRetryBackoffMs ?? 60_000;
  // One policy for artifact downloads and remote backends: the same hosts, checked the same way.
  const network: NetworkPolicy = {
    allowPrivateNetwork: options.network?.allowPrivateNetwork ?? false,
    hostAllowlist: options.remote?.hostAllowlist ?? [],
    ...(options.network?.resolve && { resolve: options.network.resolve }),
  };
  const remote = createRemoteContext(
    options.remote ?? {},
    options.stats,
    options.defaultTimeoutMs ?? 30_000,
    network,
  );
  const context = {
    db: options.db,
    cacheDir: options.cacheDir,
    intraOpThreads: options.intraOpThreads ?? 1,
    fetchTimeoutMs: options.fetchTimeoutMs,
    maxArtifactBytes: options.maxArtifactBytes,
    fileRoot: options.artifactFileRoot,
    network,
    remote,
  };
  const maxLoaded = options.maxLoadedVersions ?? DEFAULT_MAX_LOADED_VERSIONS;
  const entries = new Map<string, Entry>();
  let retained: ReadonlySet<string> | null = null;
  options.stats?.setSources({ loaded: () => countLoaded(entries, retained ?? new Set()) });
  let closed = false;
  let closing: Promise<void> | null = null;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5000;
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
        const warning = runner.warmupWarning
          ? scrub(runner.warmupWarning, entry.version.artifact?.sha256)
          : null;
        const tracked = trackUse(runner, entry, reacquire, warning);
        entry.state = { status: 'ready', runner: tracked };
        entry.key = runnerKey(entry.version);
        entry.loading = null;
        entry.failures = 0;
        logger.info({ versionId: id, ref, loadMs: Date.now() - started }, 'version ready');
        if (warning !== null) {
          options.stats?.recordWarmupFailure({
            model: entry.version.model,
            version: entry.version.version,
            request: 'zeros',
          });
          logger.warn(
            { versionId: id, ref, warning: runner.warmupWarning },
            'the warm-up with zeros failed; the version serves anyway and real requests decide (register a warm-up request to check it)',
          );
        }
        return tracked;
      },
      (error: unknown) => {
        const reason = safeLoadReason(error, entry.version.artifact?.sha256);
        const delay = Math.min(firstBackoff * 2 ** entry.failures, maxBackoff);
        if (error instanceof WarmupFailedError) {
          options.stats?.recordWarmupFailure({
            model: entry.version.model,
            version: entry.version.version,
            request: 'registered',
          });
        }
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
        throw new VersionLoadFailedError(ref, reason, Math.ceil(delay / 1000));
      },
    );
    entry.loading = loading;
    // Room is made as the load starts, so the evicted sessions are freed before the new one grows.
    evictOverCap();
    return loading;
  }

  function evictOverCap(): void {
    for (const entry of evictionCandidates(entries, retained ?? new Set(), maxLoaded)) {
      const { id, ref } = entry.version;
      entries.delete(id);
      entry.evicted = true;
      logger.info(
        { versionId: id, ref, maxLoadedVersions: maxLoaded },
        'evicting least recently used version',
      );
      options.stats?.recordEviction(ref);
      // close() lets running requests finish; later callers of this runner get a fresh one.
      if (entry.state.status !== 'ready') continue;
      entry.state.runner.close().catch((err: unknown) => {
        logger.warn({ err, versionId: id }, 'releasing a runner failed');
      });
    }
  }

  function reacquire(version: VersionConfig): Promise<ModelRunner> {
    return manager.ensureReady(version);
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

  const manager: BackendManager = {
    ensureReady(version) {
      if (closed)
        return Promise.reject(new VersionUnavailableError(version.ref, 'the replica is shutting down'));
      const now = Date.now();
      let entry = entries.get(version.id);
      if (!entry) {
        entry = {
          version,
          key: '',
          replacing: null,
          state: { status: 'absent' },
          loading: null,
          failures: 0,
          retryAt: 0,
          lastUsed: now,
        };
        entries.set(version.id, entry);
      }
      entry.lastUsed = now;
      if (entry.state.status === 'ready') {
        if (runnerKey(version) === entry.key) {
          // Options that apply per request (deadline, batching, bounds) take effect at once.
          entry.version = version;
          return Promise.resolve(entry.state.runner);
        }
        return (
          entry.replacing ??
          replaceRunner(entry, version, {
            load: (v) => loadRunner(v, context),
            isCurrent: (e) => !closed && entries.get(e.version.id) === e,
            logger,
            backoffMs: firstBackoff,
            reacquire,
          })
        );
      }
      if (entry.loading) return entry.loading;
      if (entry.state.status === 'failed' && now < entry.retryAt) {
        const retryAfter = Math.ceil((entry.retryAt - now) / 1000);
        return Promise.reject(new VersionLoadFailedError(version.ref, entry.state.error, retryAfter));
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
    close() {
      if (closing) return closing;
      closed = true;
      clearInterval(timer);
      const pending = [...entries.values()];
      const release = async () => {
        await Promise.allSettled(pending.flatMap((e) => [e.loading, e.replacing]));
        const runners = pending.flatMap((e) => (e.state.status === 'ready' ? [e.state.runner] : []));
        await Promise.allSettled(runners.map((r) => r.close()));
        await remote.close();
      };
      entries.clear();
      closing = settleWithin(release(), closeTimeoutMs).then((finished) => {
        if (!finished) {
          logger.warn(
            { timeoutMs: closeTimeoutMs, versions: pending.map((e) => e.version.ref) },
            'backends did not close in time; abandoning them (a load, runner or remote call still hangs)',
          );
        }
      });
      return closing;
    },
  };
  return manager;
}

/** True when `work` settled within `ms`; false (and `work` left running) otherwise. */
async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
