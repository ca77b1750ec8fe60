import { BUCKET_COUNT } from '@modelplane/router';
import type { CachePolicy, ServingOptions } from '@modelplane/schemas';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.ts';
import type { BackendManager, ModelRunner, Tensor } from '../../backends/types.ts';
import { PredictionCache, type PredictionCacheOptions } from '../../cache/prediction-cache.ts';
import type { ModelTable, RoutingSnapshot, VersionConfig } from '../../routing/types.ts';

// A model `m` whose versions multiply their one input by a per-version factor, with fakes for what
// the real runtime cannot be made to do on demand (fail, stall, return NaN), and counters outside
// the code under test.

/** A version of `m`: `factor` decides its outputs, `behave` may replace them. */
export interface FakeVersion {
  label: string;
  factor: number;
  servingOptions?: ServingOptions;
  outputSchema?: Record<string, unknown>;
  /** Runs instead of the multiplication; `call` is 1 for this version's first inference. */
  behave?: (inputs: readonly Tensor[], call: number) => Promise<Tensor[]>;
}

/** The routing table's entry for a fake version. */
export function fakeVersionConfig(v: FakeVersion): VersionConfig {
  return {
    id: `mv_${v.label}`,
    model: 'm',
    version: v.label,
    ref: `m@${v.label}`,
    backend: { kind: 'onnx' },
    artifact: { uri: `artifact://${v.label}`, sha256: String(v.factor).padStart(64, '0').slice(-64) },
    inputSchema: null,
    outputSchema: v.outputSchema ?? null,
    servingOptions: v.servingOptions ?? {},
  };
}

/** A one-model snapshot: every bucket goes to `routed` (a label), which is also the baseline unless given. */
export function fakeSnapshot(
  versions: readonly VersionConfig[],
  routed: string,
  cache: CachePolicy,
  baseline = routed,
): RoutingSnapshot {
  const byLabel = new Map(versions.map((v) => [v.version, v]));
  const target = byLabel.get(routed) as VersionConfig;
  const table: ModelTable = {
    name: 'm',
    generation: 1,
    cacheGeneration: 1,
    cache,
    revision: {
      number: 1,
      salt: 'salt',
      map: { versions: [target.id], buckets: new Uint8Array(BUCKET_COUNT) },
      weights: [{ versionId: target.id, weight: 10000 }],
      baselineVersionId: (byLabel.get(baseline) as VersionConfig).id,
      createdAt: new Date(0).toISOString(),
    },
    versions: new Map(versions.map((v) => [v.id, v])),
    versionsByLabel: byLabel,
  };
  return {
    models: new Map([['m', table]]),
    tokenHashes: new Set(),
    tokenQuotas: new Map(),
    tokenGeneration: 1,
    source: 'database',
    loadedAt: 0,
  };
}

/** An app over fake versions of `m`; `calls` counts inferences per version label, at the backend. */
export async function fakeApp(options: {
  versions: FakeVersion[];
  routed: string;
  baseline?: string;
  cache?: CachePolicy;
  cacheOptions?: PredictionCacheOptions;
}): Promise<{
  app: FastifyInstance;
  calls: Map<string, number>;
  cache: PredictionCache;
  snapshot: RoutingSnapshot;
}> {
  const calls = new Map<string, number>();
  const configs = options.versions.map(fakeVersionConfig);
  const runners = new Map<string, ModelRunner>(
    options.versions.map((v, i) => {
      const runner: ModelRunner = {
        inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }],
        outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
        infer: async (inputs) => {
          const call = (calls.get(v.label) ?? 0) + 1;
          calls.set(v.label, call);
          if (v.behave) return v.behave(inputs, call);
          const x = inputs[0] as Tensor;
          return [
            {
              name: 'y',
              datatype: 'FP32',
              shape: x.shape,
              data: (x.data as number[]).map((n) => n * v.factor),
            },
          ];
        },
        close: async () => {},
      };
      return [(configs[i] as VersionConfig).id, runner];
    }),
  );
  const backends: BackendManager = {
    ensureReady: async (version) => runners.get(version.id) as ModelRunner,
    state: (id) => ({ status: 'ready', runner: runners.get(id) as ModelRunner }),
    retain: () => {},
    close: async () => {},
  };
  const snapshot = fakeSnapshot(
    configs,
    options.routed,
    options.cache ?? { enabled: true, ttlSeconds: 60 },
    options.baseline,
  );
  const cache = new PredictionCache(options.cacheOptions);
  const app = await buildApp({
    routing: { snapshot: () => snapshot, isStale: () => false },
    backends,
    predictAuth: false,
    cache,
  });
  return { app, calls, cache, snapshot };
}

/** The one-row request every test sends unless it says otherwise. */
export const ROW = { instances: [[2]] };
