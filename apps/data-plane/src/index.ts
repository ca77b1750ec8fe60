export { type AppDeps, buildApp, DEFAULT_MAX_BODY_BYTES } from './app.ts';
export { bearerToken } from './auth.ts';
export { createDataPlane, type DataPlane, type DataPlaneOptions } from './compose.ts';
export { ConfigError, type DataPlaneConfig, parseConfig } from './config.ts';
export { InvalidInputError, type Problem, STATUS_BY_CODE, UnavailableError } from './errors.ts';
