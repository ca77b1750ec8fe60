import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTfServingServer, stopAllProcesses, type TfServingServer, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, tfServingModel } from '../serving-stack.ts';
import { demo, type Stack, startStack } from '../stack.ts';
import { bundleDataPlane, type ReplicaProcess, startReplicaProcess } from './replica-process.ts';

// A rolling restart: two replica processes behind a client-side "load balancer" that sends only
// to replicas whose /readyz is 200. One gets SIGTERM under load; nothing it accepted may be lost.

let stack: Stack;
let backend: TfServingServer;
let bundle: Awaited<ReturnType<typeof bundleDataPlane>>;
let dataDir: string;
const DRAIN_MS = 1500;

beforeAll(async () => {
  stack = await startStack();
  bundle = await bundleDataPlane();
  dataDir = await mkdtemp(join(tmpdir(), 'mp-shutdown-'));
  // A remote backend with a fixed service time, so requests are genuinely in flight at each step.
  backend = await startTfServingServer([await tfServingModel(demo('conversion', '1.0.0'), 'conv')]);
  backend.delayMs = 300;
  await stack.admin.models.create.mutate({ name: 'slow' });
  await stack.admin.versions.register.mutate({
    model: 'slow',
    version: '1',
    backend: { kind: 'tfserving', url: backend.url, remoteName: 'conv' },
  });
  await stack.admin.traffic.set.mutate({ model: 'slow', weights: [{ version: '1', weight: 10000 }] });
}, 60_000);

afterAll(async () => {
  await stopAllProcesses();
  await backend?.close();
  await bundle?.remove();
  await stack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const body = { instances: [[120, 10, 1, 30, 12, 1]] };

async function ready(replica: ReplicaProcess): Promise<boolean> {
  try {
    return (await fetch(`${replica.url}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

describe('SIGTERM', () => {
  it('drains, finishes every accepted request, and exits 0; the fleet loses nothing', async () => {
    const env = { SHUTDOWN_DRAIN_MS: String(DRAIN_MS), SHUTDOWN_TIMEOUT_MS: '10000' };
    const a = await startReplicaProcess(bundle.path, stack, join(dataDir, 'a'), { ...env, REPLICA_ID: 'a' });
    const b = await startReplicaProcess(bundle.path, stack, join(dataDir, 'b'), { ...env, REPLICA_ID: 'b' });
    await waitFor(async () => (await ready(a)) && (await ready(b)), { timeoutMs: 20_000 });

    // The load balancer: health-checks every 100 ms and picks among the ready replicas.
    const readyNow = new Map([
      [a, true],
      [b, true],
    ]);
    let balancing = true;
    const checks = (async () => {
      while (balancing) {
        for (const replica of [a, b]) readyNow.set(replica, await ready(replica));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const outcomes: Array<{ replica: string; status: number | string; at: number }> = [];
    const started = performance.now();
    let sending = true;
    const client = async (n: number) => {
      for (let i = 0; sending; i++) {
        const pool = [a, b].filter((r) => readyNow.get(r));
        const replica = pool[(n + i) % pool.length] ?? b;
        const res = await postJson(`${replica.url}/v1/models/slow:predict`, body).catch((e: Error) => ({
          status: e.message,
        }));
        outcomes.push({
          replica: replica === a ? 'a' : 'b',
          status: res.status,
          at: performance.now() - started,
        });
      }
    };
    const clients = Array.from({ length: 8 }, (_, n) => client(n));
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const terminatedAt = performance.now() - started;
    const exit = a.child.stop('SIGTERM', 20_000);
    // Late arrivals straight at the draining replica (a balancer that has not noticed yet), some of
    // them still running when it stops accepting: each must complete.
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS - 200));
    const late = await Promise.all(
      Array.from({ length: 5 }, () => postJson(`${a.url}/v1/models/slow:predict`, body)),
    );
    expect(await exit).toEqual({ code: 0, signal: null });
    const exitedAt = performance.now() - started;
    sending = false;
    await Promise.all(clients);
    balancing = false;
    await checks;

    expect(late.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const failures = outcomes.filter((o) => o.status !== 200);
    expect(failures).toEqual([]);
    const fromA = outcomes.filter((o) => o.replica === 'a');
    expect(fromA.some((o) => o.at > terminatedAt)).toBe(true);
    expect(outcomes.filter((o) => o.replica === 'b' && o.at > exitedAt).length).toBeGreaterThan(0);
    // Not ready at once: the balancer stopped choosing `a` within its health-check period.
    expect(fromA.every((o) => o.at < terminatedAt + 100 + 2 * 300 + 400)).toBe(true);
  });
});
