import { auditRouter } from './routers/audit.ts';
import { modelsRouter } from './routers/models.ts';
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
});

export type AppRouter = typeof appRouter;
