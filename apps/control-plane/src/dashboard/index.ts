import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.ts';
import { dashboardSessionRoutes } from './session-routes.ts';
import { dashboardStaticRoutes } from './static-assets.ts';

/** The web dashboard: its static files under /ui and its sign-in endpoints under /ui/session. */
export async function dashboardRoutes(app: FastifyInstance, options: { deps: Deps }): Promise<void> {
  await app.register(dashboardSessionRoutes, { deps: options.deps });
  await app.register(dashboardStaticRoutes, { configuredDir: options.deps.config.DASHBOARD_DIR });
}
