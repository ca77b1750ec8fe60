import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  getFreePort,
  LOCAL_SERVING_ENV,
  type ManagedProcess,
  startProcess,
  testRedisUrl,
} from '@modelplane/testing';
import type { Stack } from '../stack.ts';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Bundles src/main.ts into the app's dist/ (so its imports resolve); `remove` deletes it. */
export async function bundleDataPlane(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = join(appDir, 'dist', `main-serial-${randomBytes(4).toString('hex')}.js`);
  await promisify(execFile)(process.execPath, ['../../scripts/bundle.mjs', 'src/main.ts', path], {
    cwd: appDir,
  });
  return {
    path,
    remove: async () => {
      await rm(path, { force: true });
      await rm(`${path}.map`, { force: true });
    },
  };
}

/** A data-plane process started from the bundle, as an operator would run it. */
export interface ReplicaProcess {
  url: string;
  child: ManagedProcess;
  /** Resident set size of the process in bytes, from /proc. */
  rss(): Promise<number>;
}

/** Starts the bundled data plane on the stack's database and Redis prefix, predict auth off. */
export async function startReplicaProcess(
  bundle: string,
  stack: Stack,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ReplicaProcess> {
  const port = await getFreePort();
  const child = await startProcess(process.execPath, [bundle], {
    env: {
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: testRedisUrl(),
      MODELPLANE_PREFIX: stack.prefix,
      MODELPLANE_DATA_DIR: dataDir,
      DATA_PLANE_PORT: String(port),
      HOST: '127.0.0.1',
      REPLICA_ID: `serial-${port}`,
      PREDICT_AUTH: 'off',
      LOG_LEVEL: 'warn',
      RECONCILE_INTERVAL_MS: '500',
      ...LOCAL_SERVING_ENV,
      ...env,
    },
    readyWhen: /listening on/,
    timeoutMs: 30_000,
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async rss() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      return kb * 1024;
    },
  };
}
