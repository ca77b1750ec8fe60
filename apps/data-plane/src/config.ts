import { z } from 'zod';
import { ServingEnvShape } from './backends/serving-config.ts';
import { CacheEnvShape } from './cache/config.ts';
import { TelemetryEnvShape } from './telemetry/config.ts';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUndefined, schema);
const int = (min: number, max: number, fallback: number) =>
  optional(z.coerce.number().int().min(min).max(max).default(fallback));

const EnvSchema = z.object({
  HOST: optional(z.string().default('127.0.0.1')),
  DATA_PLANE_PORT: int(0, 65535, 8080),
  DATABASE_URL: optional(z.string().url().optional()),
  REDIS_URL: optional(z.string().url().optional()),
  MODELPLANE_PREFIX: optional(
    z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,64}$/)
      .default('modelplane:'),
  ),
  MODELPLANE_DATA_DIR: optional(z.string().default('.modelplane')),
  REPLICA_ID: optional(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, ".", "_" and "-" only (it names a directory)')
      .optional(),
  ),
  RECONCILE_INTERVAL_MS: int(100, 3_600_000, 5000),
  HEARTBEAT_INTERVAL_MS: int(100, 3_600_000, 2000),
  PREDICT_AUTH: optional(z.enum(['on', 'off']).default('on')),
  MAX_BODY_BYTES: int(1024, 1024 * 1024 * 1024, 1024 * 1024),
  // How much of a body over MAX_BODY_BYTES is read and discarded so the client can read its 413.
  MAX_BODY_DRAIN_BYTES: int(0, 1024 * 1024 * 1024, 8 * 1024 * 1024),
  ORT_INTRA_OP_THREADS: int(0, 256, 1),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  ...ServingEnvShape,
  ...CacheEnvShape,
  ...TelemetryEnvShape,
});

/** The data plane's parsed environment; `REPLICA_ID` is filled in (hostname-pid) when unset. */
export type DataPlaneConfig = Omit<z.infer<typeof EnvSchema>, 'REPLICA_ID' | 'DATABASE_URL'> & {
  DATABASE_URL: string;
  REPLICA_ID: string;
};

/** A configuration problem; its message names the variable and is fit to print on start-up. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once. `defaultReplicaId` supplies REPLICA_ID when unset (main passes
 * hostname-pid; tests pass their own), so this function stays free of process state.
 */
export function parseConfig(
  env: Record<string, string | undefined>,
  defaultReplicaId = 'replica',
): DataPlaneConfig {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const { DATABASE_URL, REPLICA_ID, ...rest } = result.data;
  if (DATABASE_URL === undefined) {
    throw new ConfigError('invalid configuration: DATABASE_URL: required for the standalone data plane');
  }
  return { ...rest, DATABASE_URL, REPLICA_ID: REPLICA_ID ?? sanitizeReplicaId(defaultReplicaId) };
}

/** Hostnames may carry characters a directory name should not. */
function sanitizeReplicaId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 128) || 'replica';
}
