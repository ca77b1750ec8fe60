import { existsSync } from 'node:fs';
import { getFreePort, LOCAL_SERVING_ENV, type ManagedProcess } from '@modelplane/testing';
import { launch, launchNode, repoFile, SERVER_NODE_ARGS } from '../harness/processes.ts';

/** The bundles `pnpm build` leaves; the bench runs the real apps, as an operator would. */
export const CONTROL_PLANE_MAIN = repoFile('apps/control-plane/dist/main.js');
export const DATA_PLANE_MAIN = repoFile('apps/data-plane/dist/main.js');
export const CLI_MAIN = repoFile('apps/cli/dist/modelplane.js');

/** Fails early, naming the command that builds what is missing. */
export function assertBuilt(): void {
  for (const path of [CONTROL_PLANE_MAIN, DATA_PLANE_MAIN, CLI_MAIN]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`pnpm build\` first`);
  }
}

/** A started app process and the base URL it listens on. */
export interface AppProcess {
  url: string;
  process: ManagedProcess;
}

/** Settings every plane shares: where Postgres and Redis are, and the channel prefix. */
export interface PlaneSettings {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
}

// A free port can be taken before the app binds it; a failed start is retried on another.
async function startOnFreePort(
  start: (port: number) => Promise<ManagedProcess>,
  host = '127.0.0.1',
): Promise<AppProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await getFreePort();
    try {
      return { url: `http://${host}:${port}`, process: await start(port) };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** Starts `apps/control-plane/dist/main.js` (not pinned: it is never the process under load). */
export function startControlPlane(
  settings: PlaneSettings,
  adminToken: string,
  dataDir: string,
): Promise<AppProcess> {
  return startOnFreePort((port) =>
    launch(null, process.execPath, [CONTROL_PLANE_MAIN], {
      env: {
        DATABASE_URL: settings.databaseUrl,
        REDIS_URL: settings.redisUrl,
        MODELPLANE_PREFIX: settings.prefix,
        MODELPLANE_ADMIN_TOKEN: adminToken,
        MODELPLANE_DATA_DIR: dataDir,
        CONTROL_PLANE_PORT: String(port),
        LOG_LEVEL: 'warn',
        // The bench's model servers and artifacts are on this machine.
        ...LOCAL_SERVING_ENV,
      },
      readyWhen: /control plane listening/,
      timeoutMs: 20_000,
    }),
  );
}

/** Options for one data-plane replica. */
export interface DataPlaneOptions {
  core: number | null;
  /** A directory of its own (artifact cache and routing snapshot). */
  dataDir: string;
  replicaId: string;
  reconcileIntervalMs?: number;
  /** Extra environment, e.g. the switches later issues add. */
  env?: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof` to see where a replica's time goes. */
  nodeArgs?: string[];
  /** Another build of the data plane to run instead of `apps/data-plane/dist/main.js` (`pnpm bench:ab`). */
  main?: string;
  /** A command node runs under, e.g. valgrind (`pnpm bench:instructions`); its own arguments follow it. */
  wrap?: string[];
  /** How long the start may take (default 30 s; far longer under valgrind). */
  readyTimeoutMs?: number;
}

/**
 * Starts `apps/data-plane/dist/main.js` as its production command does (SERVER_NODE_ARGS) and waits
 * until /readyz says its tables and models are loaded.
 */
export function startDataPlane(settings: PlaneSettings, options: DataPlaneOptions): Promise<AppProcess> {
  return startOnFreePort(async (port) => {
    const argv = [...SERVER_NODE_ARGS, ...(options.nodeArgs ?? []), options.main ?? DATA_PLANE_MAIN];
    const child = await launchNode(options.core, argv, {
      ...(options.wrap && { wrap: options.wrap }),
      env: {
        DATABASE_URL: settings.databaseUrl,
        REDIS_URL: settings.redisUrl,
        MODELPLANE_PREFIX: settings.prefix,
        MODELPLANE_DATA_DIR: options.dataDir,
        DATA_PLANE_PORT: String(port),
        REPLICA_ID: options.replicaId,
        PREDICT_AUTH: 'on',
        RECONCILE_INTERVAL_MS: String(options.reconcileIntervalMs ?? 5000),
        LOG_LEVEL: 'warn',
        // No load balancer waits on it here, so stopping need not keep serving for a drain period.
        SHUTDOWN_DRAIN_MS: '0',
        ...LOCAL_SERVING_ENV,
        ...options.env,
      },
      readyWhen: { url: `http://127.0.0.1:${port}/readyz` },
      timeoutMs: options.readyTimeoutMs ?? 30_000,
    });
    return child;
  });
}
