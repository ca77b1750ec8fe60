import type { AppRouter } from '@modelplane/control-plane';
import type { inferRouterOutputs } from '@trpc/server';

/** What `metrics.compare` answers: every panel on the compare screen reads this one result. */
export type Compare = inferRouterOutputs<AppRouter>['metrics']['compare'];
export type VersionRow = Compare['versions'][number];
