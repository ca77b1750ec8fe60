import type { DemoModelEntry } from '@modelplane/demo-models';
import { getFreePort } from '@modelplane/testing';
import { launchTs, SERVER_NODE_ARGS } from '../harness/processes.ts';
import type { AppProcess } from './apps.ts';

// A free port can be taken before the server binds it; a failed start is retried on another.
async function startServer(
  core: number | null,
  file: string,
  args: (port: number) => string[],
  nodeArgs: string[] = [],
): Promise<AppProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await getFreePort();
    try {
      const child = await launchTs(core, file, args(port), {
        readyWhen: /listening on/,
        timeoutMs: 20_000,
        nodeArgs: [...SERVER_NODE_ARGS, ...nodeArgs],
      });
      return { url: `http://127.0.0.1:${port}`, process: child };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** Scenario 1's bare Fastify echo route, at `POST /echo`. */
export function startFloorServer(core: number | null, nodeArgs: string[] = []): Promise<AppProcess> {
  return startServer(core, 'servers/floor-server.ts', (port) => [String(port)], nodeArgs);
}

/** The minimal Fastify + ONNX server for `entry`, at `POST /predict`. */
export function startOnnxServer(
  core: number | null,
  entry: DemoModelEntry,
  nodeArgs: string[] = [],
): Promise<AppProcess> {
  const order = (entry.featureOrder ?? []).join(',');
  return startServer(core, 'servers/onnx-server.ts', (port) => [String(port), entry.file, order], nodeArgs);
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
