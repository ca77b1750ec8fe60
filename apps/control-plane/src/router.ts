import { alertsRouter } from './routers/alerts.ts';
import { auditRouter } from './routers/audit.ts';
import { cacheRouter } from './routers/cache.ts';
import { dashboardRouter } from './routers/dashboard.ts';
import { metricsRouter } from './routers/metrics.ts';
import { modelsRouter } from './routers/models.ts';
import { rolloutsRouter } from './routers/rollouts.ts';
import { tokensRouter } from './routers/tokens.ts';
import { trafficRouter } from './routers/traffic.ts';
import { versionsRouter } from './routers/versions.ts';
import { router } from './trpc.ts';

export const appRouter = router({
  models: modelsRouter,
  versions: versionsRouter,
  traffic: trafficRouter,
  audit: auditRouter,
  tokens: tokensRouter,
  cache: cacheRouter,
  metrics: metricsRouter,
  alerts: alertsRouter,
  rollouts: rolloutsRouter,
  dashboard: dashboardRouter,
});

export type AppRouter = typeof appRouter;
