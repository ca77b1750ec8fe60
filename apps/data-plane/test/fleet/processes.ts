import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type ExitStatus,
  getFreePort,
  inheritedEnv,
  type ManagedProcess,
  startProcess,
} from '@modelplane/testing';

/** The bundles `pnpm build` writes; the fleet tests run them exactly as an operator would. */
export const CONTROL_PLANE_MAIN = bundle('../../../control-plane/dist/main.js');
export const DATA_PLANE_MAIN = bundle('../../dist/main.js');
export const CLI_BIN = bundle('../../../cli/dist/modelplane.js');

function bundle(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

/** Fails a file early, naming the build to run, when a bundle is missing. */
export function assertBuilt(): void {
  for (const path of [CONTROL_PLANE_MAIN, DATA_PLANE_MAIN, CLI_BIN]) {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing: run \`pnpm --filter @modelplane/data-plane... build\``);
    }
  }
}

// Empty means unset to both planes' config parsers, so the runner's own settings cannot leak in.
const CLEARED = {
  DATABASE_URL: '',
  REDIS_URL: '',
  MODELPLANE_ADMIN_TOKEN: '',
  MODELPLANE_DATA_DIR: '',
  MODELPLANE_PREFIX: '',
  MODELPLANE_URL: '',
  MODELPLANE_TOKEN: '',
  REPLICA_ID: '',
};

/** A server process and the base URL it listens on. */
export interface ServerProcess {
  url: string;
  port: number;
  process: ManagedProcess;
}

/**
 * Starts `node <main>` on a free port (or `port`), resolving once it prints `ready`. A port taken
 * between getFreePort and listen is retried with another.
 */
export async function startServer(
  main: string,
  portVariable: string,
  ready: RegExp,
  env: Record<string, string>,
  port?: number,
): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    const candidate = port ?? (await getFreePort());
    try {
      const child = await startProcess(process.execPath, [main], {
        env: { ...CLEARED, LOG_LEVEL: 'info', ...env, HOST: '127.0.0.1', [portVariable]: String(candidate) },
        readyWhen: ready,
        timeoutMs: 30_000,
      });
      return { url: `http://127.0.0.1:${candidate}`, port: candidate, process: child };
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error;
    }
  }
}

/** How one CLI invocation ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node apps/cli/dist/modelplane.js ...args` to completion (killed after `timeoutMs`). */
export function runCli(args: string[], cwd?: string, timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { cwd, env: { ...inheritedEnv(), ...CLEARED }, timeout: timeoutMs },
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

/** SIGTERM, then the exit status (SIGKILL after `timeoutMs`, which a test then sees as a failure). */
export function terminate(child: ManagedProcess, timeoutMs = 15_000): Promise<ExitStatus> {
  return child.stop('SIGTERM', timeoutMs);
}
