import type { DemoModelEntry } from '@modelplane/demo-models';
import { getFreePort } from '@modelplane/testing';
import { launchTs, SERVER_NODE_ARGS } from '../harness/processes.ts';
import type { AppProcess } from './apps.ts';

/** How a reference server is run: extra node flags, a command node runs under, a start timeout. */
export interface ReferenceServerOptions {
  nodeArgs?: string[];
  /** e.g. valgrind (`pnpm bench:instructions`), with its own arguments. */
  wrap?: string[];
  /** How long the start may take (default 20 s). */
  timeoutMs?: number;
}

// A free port can be taken before the server binds it; a failed start is retried on another.
async function startServer(
  core: number | null,
  file: string,
  args: (port: number) => string[],
  { nodeArgs = [], wrap = [], timeoutMs = 20_000 }: ReferenceServerOptions = {},
): Promise<AppProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await getFreePort();
    try {
      const child = await launchTs(core, file, args(port), {
        readyWhen: /listening on/,
        timeoutMs,
        nodeArgs: [...SERVER_NODE_ARGS, ...nodeArgs],
        wrap,
      });
      return { url: `http://127.0.0.1:${port}`, process: child };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** Scenario 1's bare Fastify echo route, at `POST /echo`. */
export function startFloorServer(
  core: number | null,
  options: ReferenceServerOptions = {},
): Promise<AppProcess> {
  return startServer(core, 'servers/floor-server.ts', (port) => [String(port)], options);
}

/** The minimal Fastify + ONNX server for `entry`, at `POST /predict`. */
export function startOnnxServer(
  core: number | null,
  entry: DemoModelEntry,
  options: ReferenceServerOptions = {},
): Promise<AppProcess> {
  const order = (entry.featureOrder ?? []).join(',');
  return startServer(core, 'servers/onnx-server.ts', (port) => [String(port), entry.file, order], options);
}

/** The per-request-database design, at `POST /predict/:model`; its tables must exist already. */
export function startLegacyServer(
  core: number | null,
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
): Promise<AppProcess> {
  return startServer(core, 'servers/legacy/legacy-server.ts', (port) => [
    String(port),
    databaseUrl,
    redisUrl,
    prefix,
  ]);
}
