import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  getFreePort,
  type ManagedProcess,
  startProcess,
  stopAllProcesses,
  waitFor,
} from '@modelplane/testing';
import { afterAll, describe, expect, it } from 'vitest';

// The embedded mode listening on every interface, as someone putting the demo on a shared host would.
const SERVER_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const CLI_BIN = fileURLToPath(new URL('../../cli/dist/modelplane.js', import.meta.url));
const READY = /try a prediction:\n/;
const dataDirs: string[] = [];

interface Server {
  process: ManagedProcess;
  dataDir: string;
  controlPlaneUrl: string;
  dataPlaneUrl: string;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mp-embedded-net-'));
  dataDirs.push(dataDir);
  const [controlPlanePort, dataPlanePort] = [await getFreePort(), await getFreePort()];
  const child = await startProcess(process.execPath, [SERVER_MAIN], {
    env: {
      DATABASE_URL: '',
      REDIS_URL: '',
      MODELPLANE_ADMIN_TOKEN: '',
      PREDICT_AUTH: '',
      REPLICA_ID: '',
      MODELPLANE_DATA_DIR: dataDir,
      CONTROL_PLANE_PORT: String(controlPlanePort),
      DATA_PLANE_PORT: String(dataPlanePort),
      LOG_LEVEL: 'warn',
      ...env,
    },
    readyWhen: READY,
    timeoutMs: 120_000,
  });
  return {
    process: child,
    dataDir,
    // Reached over loopback: the server listens on every interface, and traffic stays on this machine.
    controlPlaneUrl: `http://127.0.0.1:${controlPlanePort}`,
    dataPlaneUrl: `http://127.0.0.1:${dataPlanePort}`,
  };
}

const FEATURES = {
  days_since_signup: 120,
  sessions_30d: 8,
  orders_90d: 2,
  avg_order_value: 54.5,
  cart_items: 1,
  affinity_electronics: 0.7,
  affinity_fashion: 0.1,
  affinity_home: 0.2,
};

async function post(url: string, body: unknown, token?: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

const predict = (server: Server, token?: string) =>
  post(`${server.dataPlaneUrl}/v1/models/recs:predict`, { instances: [FEATURES] }, token);
const feedback = (server: Server, token?: string) =>
  post(`${server.dataPlaneUrl}/v1/feedback`, { requestId: 'req-1', outcome: 1 }, token);

/** The CLI exactly as the start-up banner tells a user to run it (the words after "create one with"). */
function runBannerCommand(server: Server): Promise<string> {
  const line = server.process.output().match(/^\s+modelplane (tokens create NAME --role predict .+)$/m)?.[1];
  if (!line) throw new Error(`no token command in the banner:\n${server.process.output()}`);
  const args = line.replace('NAME', 'demo-client').split(/\s+/);
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['MODELPLANE_URL', 'MODELPLANE_TOKEN', 'MODELPLANE_DATA_DIR']) delete env[key];
    execFile(process.execPath, [CLI_BIN, ...args, '--json'], { env, timeout: 30_000 }, (error, stdout) =>
      error ? reject(error) : resolve((JSON.parse(stdout) as { token: string }).token),
    );
  });
}

afterAll(async () => {
  await stopAllProcesses(15_000);
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

describe('the embedded mode on a non-loopback address', () => {
  it('requires a predict token by default, and the banner says how to get one', async () => {
    const server = await startServer({ HOST: '0.0.0.0' });
    expect(server.process.output()).toMatch(/predict auth is ON/);
    expect(await predict(server)).toBe(401);
    expect(await feedback(server)).toBe(401);

    const token = await runBannerCommand(server);
    expect(token).toMatch(/^mpt_/);
    expect(await predict(server, token)).toBe(200);
    expect(await feedback(server, token)).toBe(202);
    await server.process.stop('SIGTERM', 15_000);
  });

  it('serves without a token only when PREDICT_AUTH=off says so, with a loud warning', async () => {
    const server = await startServer({ HOST: '0.0.0.0', PREDICT_AUTH: 'off' });
    // The warning goes to stderr, a pipe of its own: it may be read after the ready line on stdout.
    const warned = /WARNING: predict auth is OFF/;
    const output = await waitFor(() => warned.test(server.process.output()) && server.process.output(), {
      message: 'the predict-auth warning on stderr',
    }).catch(() => server.process.output());
    expect(output).toMatch(/predict auth is OFF/);
    expect(output).toMatch(/WARNING: predict auth is OFF \(PREDICT_AUTH=off\) on 0\.0\.0\.0/);
    expect(await predict(server)).toBe(200);
    await server.process.stop('SIGTERM', 15_000);
  });

  // On 127.0.0.1 (the default HOST) it stays open with no warning: embedded.int.test.ts covers that.
});
