import type { FastifyInstance } from 'fastify';
import type { BackendManager } from '../backends/types.ts';
import { trafficVersions } from '../pipeline/target.ts';
import type { RoutingSnapshot } from '../routing/types.ts';
import type { RoutingView } from '../routing/view.ts';

/** What the health routes read. */
export interface HealthRouteOptions {
  routing: RoutingView;
  backends: BackendManager;
  serverName: string;
  serverVersion: string;
  /** Shutdown has begun: not ready, so load balancers stop sending (the replica still serves). */
  isDraining?: () => boolean;
}

/**
 * Ready means: a routing snapshot is loaded and every version that currently carries traffic has
 * a ready runner. Redis and Postgres are deliberately not consulted: a replica keeps serving from
 * its last snapshot through an outage, and failing readiness then would take healthy capacity away.
 */
export function readiness(
  snapshot: RoutingSnapshot | null,
  backends: BackendManager,
): { ready: boolean; notReady: string[] } {
  if (!snapshot) return { ready: false, notReady: [] };
  const notReady = trafficVersions(snapshot)
    .filter((v) => backends.state(v.id).status !== 'ready')
    .map((v) => v.ref);
  return { ready: notReady.length === 0, notReady };
}

/** Process and replica health, plus the OIP server endpoints; none of them needs a token. */
export async function healthRoutes(app: FastifyInstance, options: HealthRouteOptions): Promise<void> {
  const { routing, backends } = options;
  app.get('/livez', async () => ({ live: true }));
  app.get('/readyz', async (request, reply) => {
    const { ready: loaded, notReady } = readiness(request.snapshot, backends);
    const draining = options.isDraining?.() ?? false;
    const ready = loaded && !draining;
    return reply.code(ready ? 200 : 503).send({
      ready,
      draining,
      snapshotLoaded: request.snapshot !== null,
      stale: routing.isStale(),
      notReady,
    });
  });
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (request, reply) => {
    const ready = readiness(request.snapshot, backends).ready && !(options.isDraining?.() ?? false);
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  app.get('/v2', async () => ({ name: options.serverName, version: options.serverVersion, extensions: [] }));
}
