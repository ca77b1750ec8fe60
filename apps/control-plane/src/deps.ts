import type { Bus } from '@modelplane/bus';
import type { DB } from '@modelplane/db';
import type { Kysely } from 'kysely';
import type { ControlPlaneConfig } from './config.ts';

/** The minimal logger surface we use; pino (Fastify's logger) satisfies it. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Everything the control plane needs, built once in main.ts (or by a test) and passed down. */
export interface Deps {
  config: ControlPlaneConfig;
  db: Kysely<DB>;
  bus: Bus;
  logger: Logger;
  /** sha256 of the bootstrap admin token from configuration, if any. */
  bootstrapTokenHash: string | null;
}
