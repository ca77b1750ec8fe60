// The files of a service outside the monorepo that installs the packed @modelplane/client.
// Kept as text: bad.ts must fail to type-check, so it cannot live in this workspace as a .ts file.

export const CONSUMER_PACKAGE_JSON = JSON.stringify({ name: 'consumer', private: true, type: 'module' });

/** Compiled to out/ and run: calls a live control plane and data plane, prints what it got as JSON. */
export const OK_TS = `import {
  type AppRouter,
  createControlPlaneClient,
  createDataPlaneClient,
  DataPlaneError,
  describeClientError,
} from '@modelplane/client';
import type { inferRouterOutputs } from '@trpc/server';

type Traffic = inferRouterOutputs<AppRouter>['traffic']['get'];

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(name + ' is not set');
  return value;
}

const cp = createControlPlaneClient({ url: env('CP_URL'), token: env('ADMIN_TOKEN') });
const dp = createDataPlaneClient({ url: env('DP_URL'), token: env('PREDICT_TOKEN') });
const instances: number[][] = JSON.parse(env('INSTANCES'));

const models = await cp.models.list.query();
const traffic: Traffic = await cp.traffic.get.query({ model: 'recs' });
const weights: { version: string; weight: number }[] = traffic.revision?.weights ?? [];
const prediction = await dp.predict('recs', { instances, routingKey: 'user-1', timeoutMs: 10_000 });
const modelVersion: string = prediction.modelVersion;
const feedback = await dp.feedback({ requestId: prediction.requestId, outcome: true, model: 'recs' });

let dpError: { status: number; code: string; requestId: string | null } | null = null;
try {
  await dp.predict('nope', { instances });
} catch (error) {
  if (error instanceof DataPlaneError) dpError = { status: error.status, code: error.code, requestId: error.requestId };
}
let cpError: ReturnType<typeof describeClientError> | null = null;
try {
  await cp.models.get.query({ name: 'nope' });
} catch (error) {
  cpError = describeClientError(error);
}
await dp.close();
console.log(JSON.stringify({
  models: models.map((m) => m.name),
  weights,
  modelVersion,
  predictions: prediction.predictions.length,
  feedback,
  dpError,
  cpError,
}));
`;

/** Each marked line must be reported by tsc: a wrong procedure, input or output type. */
export const BAD_TS = `import { createControlPlaneClient, createDataPlaneClient } from '@modelplane/client';
const cp = createControlPlaneClient({ url: 'http://127.0.0.1:1', token: 't' });
const dp = createDataPlaneClient({ url: 'http://127.0.0.1:1' });
await cp.models.lsit.query(); // line 4: no such procedure
await cp.traffic.get.query({ modle: 'recs' }); // line 5: misspelt input field
await cp.traffic.set.mutate({ model: 'recs', weights: [{ version: '1.0.0', weight: '100' }] }); // line 6
const name: number = (await cp.models.list.query())[0]?.name ?? 0; // line 7: output is a string
await dp.predict('recs', { instance: [[1]] }); // line 8: data-plane input
`;
export const BAD_LINES = [4, 5, 6, 7, 8];

/** A CommonJS caller: require(esm) on Node 20.19+. */
export const REQUIRE_CJS = `const client = require('@modelplane/client');
console.log(JSON.stringify(Object.keys(client).sort()));
`;

export function tsconfig(file: string): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      // DOM only because @trpc/client's own declarations name its RequestInfo.
      lib: ['ES2023', 'DOM'],
      types: ['node'],
      strict: true,
      // Library declarations are checked too: ours must stand on their own.
      skipLibCheck: false,
      outDir: 'out',
    },
    files: [file],
  });
}
