import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRedisBus } from '@modelplane/bus';
import { createDb } from '@modelplane/db';
import { type DemoModelEntry, loadManifest } from '@modelplane/demo-models';
import { type TfServingModel, testRedisUrl } from '@modelplane/testing';
import * as ort from 'onnxruntime-node';
import { pino } from 'pino';
import type { ServingSettings } from '../src/backends/serving-config.ts';
import { createDataPlane, type DataPlane } from '../src/compose.ts';
import type { PredictionRecord } from '../src/pipeline/types.ts';
import { LOCAL_SERVING } from './backend-fixtures.ts';
import type { Stack } from './stack.ts';

/** A replica composed exactly as main.ts does it (createDataPlane), with its serving settings. */
export interface ServingReplica {
  url: string;
  plane: DataPlane;
  close(): Promise<void>;
}

/** Starts a createDataPlane replica on the stack's database and Redis prefix; predict auth off. */
export async function startServingReplica(
  stack: Stack,
  serving: ServingSettings = {},
  options: { onPrediction?: (record: PredictionRecord) => void; maxBodyBytes?: number } = {},
): Promise<ServingReplica> {
  const dir = await mkdtemp(join(tmpdir(), 'mp-serving-'));
  const database = await createDb({ kind: 'postgres', connectionString: stack.databaseUrl });
  const bus = createRedisBus({ url: testRedisUrl(), prefix: stack.prefix });
  const plane = await createDataPlane({
    db: database.db,
    bus,
    dataDir: dir,
    replicaId: `serving-${Math.random().toString(36).slice(2, 8)}`,
    logger: pino({ level: 'silent' }),
    predictAuth: false,
    ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    reconcileIntervalMs: 300,
    heartbeatIntervalMs: 1000,
    // The load guard is tested in its own process (test/serial/overload); here a busy test runner's
    // event loop must not turn into 503s that the test did not ask for.
    serving: { guard: { lagLimitMs: 0, heapLimitRatio: 0 }, ...LOCAL_SERVING, ...serving },
  });
  const { onPrediction } = options;
  if (onPrediction) {
    plane.app.addHook('onResponse', async (request) => {
      if (request.prediction) onPrediction(request.prediction);
    });
  }
  const url = await plane.app.listen({ host: '127.0.0.1', port: 0 });
  await plane.start();
  let closed = false;
  return {
    url,
    plane,
    close: async () => {
      if (closed) return;
      closed = true;
      await plane.app.close();
      await bus.close();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const TF_DTYPE: Record<string, string> = { FP32: 'DT_FLOAT', INT64: 'DT_INT64' };

/**
 * A demo model served the TF-Serving way: the test's own onnxruntime session computes the
 * predictions (the reference, outside the code under test), the server formats them as rows.
 */
export async function tfServingModel(
  entry: DemoModelEntry,
  name: string = entry.model,
): Promise<TfServingModel> {
  const session = await ort.InferenceSession.create(entry.file, { intraOpNumThreads: 1 });
  const signature = (list: DemoModelEntry['inputs']) =>
    Object.fromEntries(
      list.map((t) => [t.name, { dtype: TF_DTYPE[t.datatype] ?? 'DT_FLOAT', shape: t.shape }]),
    );
  const input = entry.inputs[0] as DemoModelEntry['inputs'][number];
  return {
    name,
    version: '1',
    inputs: signature(entry.inputs),
    outputs: signature(entry.outputs),
    async predict(instances) {
      const rows = instances as number[][];
      const width = input.shape[1] ?? 1;
      const feeds = {
        [input.name]: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, width]),
      };
      const result = await session.run(feeds);
      return rows.map((_, r) => {
        const row = (name: string) => {
          const t = result[name] as ort.Tensor;
          const size = (t.dims[1] as number) ?? 1;
          return Array.from(t.data as ArrayLike<number | bigint>, Number).slice(r * size, (r + 1) * size);
        };
        if (entry.outputs.length === 1) return row((entry.outputs[0] as { name: string }).name);
        return Object.fromEntries(entry.outputs.map((o) => [o.name, row(o.name)]));
      });
    },
  };
}

/** Registers a demo model file as `model@label` (onnx, no input schema) with serving options. */
export async function registerFile(
  stack: Stack,
  model: string,
  label: string,
  entry: DemoModelEntry,
  servingOptions: Record<string, unknown> = {},
): Promise<void> {
  await stack.admin.versions.register.mutate({
    model,
    version: label,
    backend: { kind: 'onnx' },
    artifact: { uri: pathToFileURL(entry.file).href, sha256: entry.sha256 },
    servingOptions,
  });
}

/** The demo models' manifest. */
export const DEMO_MANIFEST = loadManifest();

/** POSTs JSON and returns status, headers and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect response bodies field by field.
): Promise<{ status: number; headers: Headers; body: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Keep the text: some failures are not JSON.
  }
  return {
    status: response.status,
    headers: response.headers,
    body: parsed,
    ms: performance.now() - started,
  };
}
