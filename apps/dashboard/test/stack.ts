import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getFreePort, type ManagedProcess, startProcess } from '@modelplane/testing';

const SERVER_MAIN = fileURLToPath(new URL('../../modelplane/dist/main.js', import.meta.url));

/** A request `recs` (the demo recommender) accepts. */
export const RECS_INSTANCE = {
  days_since_signup: 120,
  sessions_30d: 8,
  orders_90d: 2,
  avg_order_value: 54.5,
  cart_items: 1,
  affinity_electronics: 0.7,
  affinity_fashion: 0.1,
  affinity_home: 0.2,
};

/** A running all-in-one server (a real control plane and data plane) with the demo models seeded. */
export interface Stack {
  controlPlaneUrl: string;
  dataPlaneUrl: string;
  adminToken: string;
  process: ManagedProcess;
}

/**
 * Starts `apps/modelplane/dist/main.js` on free ports: on PostgreSQL when `databaseUrl` is given
 * (it migrates the database itself), else on embedded PGlite under `dataDir`. Predictions need no
 * token and rollups flush every second, so the dashboard's numbers move while a test watches.
 */
export async function startStack(options: {
  dataDir: string;
  databaseUrl?: string;
  env?: Record<string, string>;
}): Promise<Stack> {
  const [controlPlanePort, dataPlanePort] = [await getFreePort(), await getFreePort()];
  const adminToken = options.databaseUrl ? `ui-test-admin-${'x'.repeat(32)}` : '';
  const child = await startProcess(process.execPath, [SERVER_MAIN], {
    env: {
      DATABASE_URL: options.databaseUrl ?? '',
      REDIS_URL: '',
      MODELPLANE_ADMIN_TOKEN: adminToken,
      MODELPLANE_DATA_DIR: options.dataDir,
      CONTROL_PLANE_PORT: String(controlPlanePort),
      DATA_PLANE_PORT: String(dataPlanePort),
      PREDICT_AUTH: 'off',
      REPLICA_ID: 'dp-ui-test',
      ROLLUP_FLUSH_MS: '1000',
      HEARTBEAT_INTERVAL_MS: '500',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    readyWhen: /try a prediction:/,
    timeoutMs: 180_000,
  });
  return {
    controlPlaneUrl: `http://127.0.0.1:${controlPlanePort}`,
    dataPlaneUrl: `http://127.0.0.1:${dataPlanePort}`,
    adminToken: adminToken || (await readFile(join(options.dataDir, 'admin-token'), 'utf8')).trim(),
    process: child,
  };
}

/** One prediction of `recs` for a routing key; answers the version that served it (`1.0.0`). */
export async function predictRecs(stack: Stack, routingKey: string): Promise<string> {
  const response = await fetch(`${stack.dataPlaneUrl}/v1/models/recs:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-routing-key': routingKey },
    body: JSON.stringify({ instances: [RECS_INSTANCE] }),
  });
  if (!response.ok) throw new Error(`predict answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { modelVersion: string };
  return body.modelVersion.split('@')[1] ?? body.modelVersion;
}

/** Sends `count` predictions with fresh routing keys and answers each version's share of them. */
export async function servedShares(stack: Stack, count: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const run = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  for (let start = 0; start < count; start += 25) {
    const batch = Array.from({ length: Math.min(25, count - start) }, (_, i) =>
      predictRecs(stack, `probe-${run}-${start + i}`),
    );
    for (const version of await Promise.all(batch)) counts[version] = (counts[version] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([v, n]) => [v, n / count]));
}

/** Background traffic (about 20 requests a second) until the returned function is called. */
export function startTraffic(stack: Stack): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      await predictRecs(stack, `user-${i % 500}`).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
