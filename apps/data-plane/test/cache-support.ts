import { createRedis } from '@modelplane/bus';
import type { DemoModelEntry } from '@modelplane/demo-models';
import { testRedisUrl } from '@modelplane/testing';
import type { Redis } from 'ioredis';
import * as ort from 'onnxruntime-node';
import type { BackendManager, ModelRunner, Tensor } from '../src/backends/types.ts';
import { createPredictionCache } from '../src/cache/config.ts';
import type { PredictionCache } from '../src/cache/prediction-cache.ts';

/** A cache on the shared test Redis under `<stack prefix>cache:`, as main.ts would build it. */
export function sharedCache(prefix: string, redisUrl = testRedisUrl(), getTimeoutMs = 25): PredictionCache {
  return createPredictionCache({
    redis: { url: redisUrl, keyPrefix: `${prefix}cache:` },
    redisGetTimeoutMs: getTimeoutMs,
  });
}

/** A plain client for looking at what the cache wrote. */
export function inspector(redisUrl = testRedisUrl()): Redis {
  return createRedis(redisUrl, { offlineQueue: true });
}

/** Every key under `prefix`, by SCAN. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
      'COUNT',
      500,
    );
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found.sort();
}

/**
 * Wraps a backend manager so every inference is counted per version id at the backend, outside the
 * code under test; `before` runs first and may delay or throw (a slow or failing model).
 */
export function countingBackends(
  real: BackendManager,
  before: (versionId: string, call: number) => Promise<void> = async () => {},
): BackendManager & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const wrapped = new WeakMap<ModelRunner, ModelRunner>();
  const wrap = (versionId: string, runner: ModelRunner): ModelRunner => {
    let outer = wrapped.get(runner);
    if (outer === undefined) {
      outer = {
        inputs: runner.inputs,
        outputs: runner.outputs,
        infer: async (inputs, options) => {
          const call = (calls.get(versionId) ?? 0) + 1;
          calls.set(versionId, call);
          await before(versionId, call);
          return runner.infer(inputs, options);
        },
        close: () => runner.close(),
      };
      wrapped.set(runner, outer);
    }
    return outer;
  };
  return {
    calls,
    ensureReady: async (version) => wrap(version.id, await real.ensureReady(version)),
    state: (id) => {
      const state = real.state(id);
      return state.status === 'ready' ? { status: 'ready', runner: wrap(id, state.runner) } : state;
    },
    retain: (ids) => real.retain(ids),
    close: () => real.close(),
  };
}

/** A demo feature row as the named instance the /v1 row format takes. */
export function instanceOf(entry: DemoModelEntry, row: readonly number[]): Record<string, number> {
  return Object.fromEntries((entry.featureOrder ?? []).map((f, i) => [f, row[i] as number]));
}

/** The reference: `rows` run through the demo file by the test's own onnxruntime session. */
export async function reference(
  entry: DemoModelEntry,
  rows: readonly (readonly number[])[],
): Promise<Tensor[]> {
  const session = await ort.InferenceSession.create(entry.file, { intraOpNumThreads: 1 });
  try {
    const input = entry.inputs[0] as DemoModelEntry['inputs'][number];
    const feeds = {
      [input.name]: new ort.Tensor('float32', Float32Array.from(rows.flat()), [
        rows.length,
        rows[0]?.length ?? 0,
      ]),
    };
    const result = await session.run(feeds);
    return entry.outputs.map((o) => {
      const t = result[o.name] as ort.Tensor;
      return {
        name: o.name,
        datatype: o.datatype,
        shape: [...t.dims],
        data: Array.from(t.data as ArrayLike<number | bigint>, Number),
      } as Tensor;
    });
  } finally {
    await session.release();
  }
}

/** POSTs JSON (or raw text) and returns status, headers and the parsed body. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: each test asserts the parts of the body it cares about.
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left as text: the caller asserts on it.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
