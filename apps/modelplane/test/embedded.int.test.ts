import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findModel, loadManifest } from '@modelplane/demo-models';
import {
  getFreePort,
  type ManagedProcess,
  startProcess,
  stopAllProcesses,
  waitFor,
} from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The all-in-one server as a newcomer runs it: no DATABASE_URL, no REDIS_URL, a fresh data dir.
const SERVER_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const CLI_BIN = fileURLToPath(new URL('../../cli/dist/modelplane.js', import.meta.url));
const READY = /try a prediction:\n\s+(curl .+)\n/;

let dataDir: string;
let server: { process: ManagedProcess; controlPlaneUrl: string; curl: string };

/** Starts `dist/main.js` on free ports and waits for the curl line it prints last. */
async function startServer(): Promise<typeof server> {
  const [controlPlanePort, dataPlanePort] = [await getFreePort(), await getFreePort()];
  const child = await startProcess(process.execPath, [SERVER_MAIN], {
    env: {
      // Empty means unset: the runner's own settings must not turn this into a Postgres replica.
      DATABASE_URL: '',
      REDIS_URL: '',
      MODELPLANE_ADMIN_TOKEN: '',
      PREDICT_AUTH: '',
      REPLICA_ID: '',
      MODELPLANE_DATA_DIR: dataDir,
      CONTROL_PLANE_PORT: String(controlPlanePort),
      DATA_PLANE_PORT: String(dataPlanePort),
      LOG_LEVEL: 'warn',
    },
    readyWhen: READY,
    timeoutMs: 120_000,
  });
  const curl = child.output().match(READY)?.[1] ?? '';
  return { process: child, controlPlaneUrl: `http://127.0.0.1:${controlPlanePort}`, curl };
}

/** The request a `curl -s URL -H 'k: v' ... -d 'body'` line makes, as fetch arguments. */
function parseCurl(line: string): { url: string; init: RequestInit } {
  const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
  expect(words[0]).toBe('curl');
  const headers: Record<string, string> = {};
  let url = '';
  let body: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '-s') continue;
    if (word === '-H') {
      const [name = '', ...value] = (words[++i] ?? '').split(':');
      headers[name.trim().toLowerCase()] = value.join(':').trim();
    } else if (word === '-d') {
      body = words[++i];
    } else if (!word.startsWith('-') && url === '') {
      url = word;
    } else {
      throw new Error(`the curl line uses ${word}, which this test does not understand: ${line}`);
    }
  }
  // curl -d means POST.
  return { url, init: { method: body === undefined ? 'GET' : 'POST', headers, body } };
}

/** The CLI as a user runs it against the local server: no token flag, only --data-dir. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['MODELPLANE_URL', 'MODELPLANE_TOKEN', 'MODELPLANE_DATA_DIR']) delete env[key];
    execFile(
      process.execPath,
      [CLI_BIN, '--url', server.controlPlaneUrl, '--data-dir', dataDir, ...args],
      { cwd: tmpdir(), env, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (error as { code?: unknown }).code : 0;
        if (typeof code !== 'number') reject(error ?? new Error('the CLI ended without an exit code'));
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

async function trafficShow(): Promise<{
  revision: { revision: number; weights: { version: string; weight: number }[] };
}> {
  const result = await cli(['traffic', 'show', 'recs', '--json']);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout);
}

interface BannerPrediction {
  status: number;
  body: { modelVersion?: string; predictions?: unknown[] };
}

async function predictLikeTheBanner(): Promise<BannerPrediction> {
  const { url, init } = parseCurl(server.curl);
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as BannerPrediction['body'] };
}

beforeAll(async () => {
  for (const path of [SERVER_MAIN, CLI_BIN]) {
    if (!existsSync(path))
      throw new Error(`${path} is missing: run \`pnpm --filter @modelplane/modelplane... build\``);
  }
  dataDir = await mkdtemp(join(tmpdir(), 'mp-embedded-'));
  server = await startServer();
});

afterAll(async () => {
  await stopAllProcesses(15_000);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the all-in-one server on a fresh data directory', () => {
  it('prints a curl line that gets a prediction from recs', async () => {
    expect(server.process.output()).toMatch(/registered demo models: recs, conversion/);
    expect(server.process.output()).toMatch(/predict auth is OFF/);
    expect(server.process.output()).not.toMatch(/WARNING/);
    const { url, init } = parseCurl(server.curl);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/models\/recs:predict$/);
    expect(init.method).toBe('POST');

    const { status, body } = await predictLikeTheBanner();
    expect(status).toBe(200);
    expect(['recs@1.0.0', 'recs@2.0.0']).toContain(body.modelVersion);
    expect(body.predictions).toHaveLength(1);
  });

  it('is managed by the CLI with nothing but --data-dir: recs is split 90/10', async () => {
    const shown = await trafficShow();
    expect(shown.revision.weights).toEqual([
      { version: '1.0.0', weight: 9000 },
      { version: '2.0.0', weight: 1000 },
    ]);
    const table = await cli(['traffic', 'show', 'recs']);
    expect(table.stdout).toMatch(/^1\.0\.0\s+90%\s+production\s+baseline$/m);
    expect(table.stdout).toMatch(/^2\.0\.0\s+10%\s+canary$/m);

    const canary = await cli(['traffic', 'canary', 'recs@2.0.0', '--percent', '25']);
    expect(canary).toMatchObject({ code: 0, stderr: '' });
  });

  it('stops on SIGTERM with exit 0 and restarts on the same directory with its state and token', async () => {
    const printedToken = server.process.output().match(/admin token \(shown once[^\n]*\n\s+(\S+)/)?.[1];
    expect(printedToken).toBeDefined();
    const before = await trafficShow();

    expect(await server.process.stop('SIGTERM', 15_000)).toEqual({ code: 0, signal: null });
    server = await startServer();

    const output = server.process.output();
    expect(output).not.toMatch(/admin token/);
    expect(output).not.toMatch(/registered demo models/);
    expect((await readFile(join(dataDir, 'admin-token'), 'utf8')).trim()).toBe(printedToken);
    // The split changed before the restart survives it; the demo seed did not reset it.
    const after = await trafficShow();
    expect(after.revision).toEqual(before.revision);
    expect(after.revision.weights).toEqual([
      { version: '1.0.0', weight: 7500 },
      { version: '2.0.0', weight: 2500 },
    ]);
    const { status, body } = await predictLikeTheBanner();
    expect(status).toBe(200);
    expect(['recs@1.0.0', 'recs@2.0.0']).toContain(body.modelVersion);
  });

  it('serves a version on worker threads: the bundle carries the worker beside main.js', async () => {
    const recs = findModel(loadManifest(), 'recs', '1.0.0');
    if (!recs) throw new Error('run the demo-models build');
    const registered = await cli([
      'versions',
      'register',
      'recs@1.0.0-threads',
      '--file',
      recs.file,
      '--serving-options',
      '{"workerThreads":1}',
    ]);
    expect(registered).toMatchObject({ code: 0, stderr: '' });
    // OIP with the model's own tensor: a version registered from the bare file has no input schema.
    const base = new URL(parseCurl(server.curl).url).origin;
    const infer = async (version: string) => {
      const response = await fetch(`${base}/v2/models/recs/versions/${version}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [
            { name: 'features', datatype: 'FP32', shape: [1, 8], data: [30, 4, 2, 55, 1, 0.5, 0.2, 0.3] },
          ],
        }),
      });
      return { status: response.status, body: (await response.json()) as { outputs?: unknown[] } };
    };
    // The CLI returns once the control plane has committed; the new version reaches the data plane's
    // routing table over the bus a moment later, and until then a request for it is a 404.
    const threads = await waitFor(
      async () => {
        const answer = await infer('1.0.0-threads');
        return answer.status === 404 ? null : answer;
      },
      { message: 'recs@1.0.0-threads known to the data plane' },
    );
    expect(threads.status, JSON.stringify(threads.body)).toBe(200);
    expect(threads.body.outputs).toHaveLength(2);
    // The same file on the main thread answers the same.
    expect((await infer('1.0.0')).body.outputs).toEqual(threads.body.outputs);
  });
});
