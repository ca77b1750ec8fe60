export { ensureEmbeddedAdminToken } from './bootstrap-token.ts';
export { type ControlPlaneResources, openControlPlane } from './compose.ts';
export { ConfigError, type ControlPlaneConfig, parseConfig } from './config.ts';
export type { Deps, Logger } from './deps.ts';
export type { AppRouter } from './router.ts';
export { appRouter } from './router.ts';
export { buildServer } from './server.ts';
export { createCallerFactory } from './trpc.ts';
