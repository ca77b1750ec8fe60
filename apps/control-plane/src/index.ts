export { parseConfig } from './config.ts';
export type { Deps } from './deps.ts';
export type { AppRouter } from './router.ts';
export { appRouter } from './router.ts';
export { buildServer } from './server.ts';
export { createCallerFactory } from './trpc.ts';
