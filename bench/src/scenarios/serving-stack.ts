import { pinProcesses } from '../harness/cores.ts';
import type { PidSource } from '../harness/cpu.ts';
import { stopProcess } from '../harness/processes.ts';
import type { AppProcess } from '../infra/apps.ts';
import { demoModel, registerModel } from '../infra/models.ts';
import { startFloorServer, startLegacyServer, startOnnxServer } from '../infra/reference-servers.ts';
import { createLegacySchema } from '../servers/legacy/legacy-schema.ts';
import type { ScenarioContext } from './types.ts';

/** Models the serving scenarios register, all from demo artifacts, all traffic on one version. */
export const MODELS = {
  /** recs@2.0.0, cache off: scenarios 3, 5 and 7, and batching off in scenario 4. */
  recs: 'recs',
  /** The same with the demo's cache policy (on, 300 s): scenario 2. */
  recsCached: 'recs-cached',
  recsBatched: 'recs-batched',
  heavy: 'heavy',
  heavyBatched: 'heavy-batched',
  heavyWorkers: 'heavy-workers',
} as const;

/** Batching as scenario 4 sets it: up to 32 rows per run, nobody waits more than 2 ms for company. */
export const BATCHING = { maxBatchSize: 32, maxDelayMs: 2 };
/** Worker threads for the heavy model in scenario 4. */
export const WORKER_THREADS = 2;

/** The running servers of the serving scenarios, and how to reach and account for them. */
export interface ServingStack {
  floor: AppProcess;
  dataPlane: AppProcess;
  /** The same data plane with `PREDICTION_LOG=off` (scenario 7). */
  dataPlaneNoLog: AppProcess;
  /** A third, default data plane for the all-miss row (its stored entries stay out of the others' heaps). */
  dataPlaneMisses: AppProcess;
  onnx: AppProcess;
  legacy: AppProcess;
  /** Headers for the data plane (predict auth is on). */
  auth: Record<string, string>;
  predictUrl(model: string, app?: AppProcess): string;
  /** CPU sources for a target served by `app` (plus Postgres and Redis when it uses them). */
  cpu(app: AppProcess, withStores: boolean): Record<string, PidSource>;
  /** Pins the Postgres backends of the bench database to the server core (new ones open during warm-up). */
  pinBackends(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Registers the models, creates the old design's tables, and starts the floor, one data plane,
 * the minimal ONNX server and the old design, all pinned to the server core.
 */
export async function startServingStack(ctx: ScenarioContext): Promise<ServingStack> {
  const { env, layout } = ctx;
  const core = layout.serverCore;
  const recs = demoModel('recs', '2.0.0');
  const heavy = demoModel('heavy-mlp', '1.0.0');
  const register = (name: string, entry = recs, extra: Record<string, unknown> = {}) =>
    registerModel(env.admin, { name, entries: [entry], promote: entry.version, ...extra });
  await register(MODELS.recs);
  await register(MODELS.recsCached, recs, { cache: { enabled: true, ttlSeconds: 300 } });
  await register(MODELS.recsBatched, recs, { servingOptions: BATCHING });
  await register(MODELS.heavy, heavy);
  await register(MODELS.heavyBatched, heavy, { servingOptions: BATCHING });
  await register(MODELS.heavyWorkers, heavy, { servingOptions: { workerThreads: WORKER_THREADS } });
  await createLegacySchema(env.database.url, [
    {
      model: MODELS.recs,
      version: recs.version,
      weight: 100,
      artifactPath: recs.file,
      featureOrder: recs.featureOrder ?? [],
    },
  ]);

  ctx.log('starting the floor, a data plane, the minimal ONNX server and the old design');
  const started: AppProcess[] = [];
  const stop = async () => {
    for (const app of started) await stopProcess(app.process);
  };
  const start = async (app: Promise<AppProcess>) => {
    const running = await app;
    started.push(running);
    return running;
  };
  try {
    const floor = await start(startFloorServer(core));
    const nodeArgs = ctx.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`] : [];
    const dataPlane = await start(env.startDataPlane({ core, nodeArgs }));
    const dataPlaneNoLog = await start(env.startDataPlane({ core, env: { PREDICTION_LOG: 'off' } }));
    const dataPlaneMisses = await start(env.startDataPlane({ core }));
    const onnx = await start(startOnnxServer(core, recs));
    const legacy = await start(startLegacyServer(core, env.database.url, env.redis.url, 'legacy:'));
    const postgres = () => env.database.backendPids();
    return {
      floor,
      dataPlane,
      dataPlaneNoLog,
      dataPlaneMisses,
      onnx,
      legacy,
      auth: { authorization: `Bearer ${env.predictToken}` },
      predictUrl: (model, app = dataPlane) => `${app.url}/v1/models/${model}:predict`,
      cpu: (app, withStores) => ({
        server: () => [app.process.pid],
        ...(withStores && { postgres, redis: () => [env.redis.pid] }),
      }),
      pinBackends: async () => pinProcesses(core, await env.database.backendPids()),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
