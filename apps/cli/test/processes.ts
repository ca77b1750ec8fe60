import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  getFreePort,
  inheritedEnv,
  LOCAL_SERVING_ENV,
  type ManagedProcess,
  startProcess,
} from '@modelplane/testing';

/** The bundled CLI and control plane, as `pnpm build` leaves them (turbo builds both before tests). */
export const CLI_BIN = fileURLToPath(new URL('../dist/modelplane.js', import.meta.url));
export const CONTROL_PLANE_MAIN = fileURLToPath(new URL('../../control-plane/dist/main.js', import.meta.url));

/** Fails a test file early, and clearly, when a bundle is missing. */
export function assertBuilt(): void {
  for (const path of [CLI_BIN, CONTROL_PLANE_MAIN]) {
    if (!existsSync(path))
      throw new Error(`${path} is missing: run \`pnpm build\` (turbo does before tests)`);
  }
}

/** How one CLI invocation ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link runCli}. */
export interface RunCliOptions {
  cwd?: string;
  env?: Record<string, string>;
}

// The runner's own settings must not leak into the CLI under test.
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = inheritedEnv();
  for (const key of ['MODELPLANE_URL', 'MODELPLANE_TOKEN', 'MODELPLANE_DATA_DIR']) delete env[key];
  return { ...env, ...extra };
}

/** Runs `node dist/modelplane.js ...args` to completion. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { cwd: options.cwd, env: cleanEnv(options.env), timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (error as { code?: unknown }).code : 0;
        if (typeof code !== 'number') {
          reject(error ?? new Error('CLI ended without an exit code'));
          return;
        }
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A control-plane process and the URL it listens on. */
export interface ControlPlaneProcess {
  url: string;
  process: ManagedProcess;
}

/**
 * Starts `apps/control-plane/dist/main.js` on a free port. A port taken between getFreePort and
 * listen is retried with another.
 */
export async function startControlPlane(
  env: Record<string, string>,
  cwd?: string,
): Promise<ControlPlaneProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await getFreePort();
    try {
      const child = await startProcess(process.execPath, [CONTROL_PLANE_MAIN], {
        // Empty means unset to the control plane's config; the runner's own values must not leak in.
        env: {
          DATABASE_URL: '',
          REDIS_URL: '',
          MODELPLANE_ADMIN_TOKEN: '',
          MODELPLANE_DATA_DIR: '',
          LOG_LEVEL: 'warn',
          // The tests register backends on 127.0.0.1, as an on-premises user would.
          ...LOCAL_SERVING_ENV,
          ...env,
          HOST: '127.0.0.1',
          CONTROL_PLANE_PORT: String(port),
        },
        ...(cwd !== undefined && { cwd }),
        readyWhen: /control plane listening on/,
        timeoutMs: 60_000,
      });
      return { url: `http://127.0.0.1:${port}`, process: child };
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error;
    }
  }
}
