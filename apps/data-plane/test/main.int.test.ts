import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  getFreePort,
  LOCAL_SERVING_ENV,
  startProcess,
  stopAllProcesses,
  testRedisUrl,
  waitFor,
} from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, registerDemo, type Stack, startStack } from './stack.ts';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the app's own dist/ so the bundle's external imports resolve from its node_modules.
const bundle = join(appDir, 'dist', `main-test-${randomBytes(4).toString('hex')}.js`);

let stack: Stack;
let dataDir: string;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ['../../scripts/bundle.mjs', 'src/main.ts', bundle], {
    cwd: appDir,
  });
  stack = await startStack();
  dataDir = await mkdtemp(join(tmpdir(), 'mp-dp-main-'));
  await stack.admin.models.create.mutate({ name: 'conversion' });
  await registerDemo(stack.admin, demo('conversion', '1.0.0'));
  await stack.admin.traffic.set.mutate({
    model: 'conversion',
    weights: [{ version: '1.0.0', weight: 10000 }],
  });
}, 60_000);

afterAll(async () => {
  await stopAllProcesses();
  await stack?.close();
  await rm(bundle, { force: true });
  await rm(`${bundle}.map`, { force: true });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('main', () => {
  it.each([
    [{ DATABASE_URL: '' }, /DATABASE_URL: required/],
    [{ DATA_PLANE_PORT: 'eighty' }, /DATA_PLANE_PORT/],
    [{ PREDICT_AUTH: 'maybe' }, /PREDICT_AUTH/],
  ])('refuses to start with %o, naming the variable', async (env, message) => {
    const child = await startProcess('node', [bundle], {
      env: { DATABASE_URL: stack.databaseUrl, MODELPLANE_DATA_DIR: dataDir, ...env },
    });
    expect((await child.exited).code).toBe(1);
    expect(child.output()).toMatch(message);
    expect(child.output()).not.toMatch(/\n\s+at /);
  });

  it('serves from its environment, announces auth off, and exits 0 on SIGTERM', async () => {
    const port = await getFreePort();
    const child = await startProcess('node', [bundle], {
      env: {
        DATABASE_URL: stack.databaseUrl,
        REDIS_URL: testRedisUrl(),
        MODELPLANE_PREFIX: stack.prefix,
        MODELPLANE_DATA_DIR: dataDir,
        DATA_PLANE_PORT: String(port),
        REPLICA_ID: 'main-test',
        PREDICT_AUTH: 'off',
        SHUTDOWN_DRAIN_MS: '0',
        LOG_LEVEL: 'warn',
        ...LOCAL_SERVING_ENV,
      },
      readyWhen: /listening on/,
    });
    expect(child.output()).toMatch(
      new RegExp(`listening on http://127\\.0\\.0\\.1:${port} \\(replica main-test, predict auth off`),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, { timeoutMs: 20_000 });
    const features = demo('conversion', '1.0.0').featureOrder ?? [];
    const response = await fetch(`${url}/v1/models/conversion:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [Object.fromEntries(features.map((f) => [f, 1]))] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ modelVersion: 'conversion@1.0.0' });
    expect(await child.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
