import {
  ConfigError,
  type ControlPlaneConfig,
  parseConfig as parseControlPlaneConfig,
} from '@modelplane/control-plane';
import {
  CacheEnvShape,
  resolvePredictAuth,
  ServingEnvShape,
  TelemetryEnvShape,
} from '@modelplane/data-plane';
import { z } from 'zod';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

/** The data-plane half of the all-in-one server's settings (the control-plane half is parsed by its own schema). */
const DataPlaneEnvSchema = z.object({
  DATA_PLANE_PORT: int(0, 65535, 8080),
  PREDICT_AUTH: z.preprocess(emptyAsUndefined, z.enum(['on', 'off']).optional()),
  SEED_DEMO: z.preprocess(emptyAsUndefined, z.enum(['on', 'off']).default('on')),
  REPLICA_ID: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/)
      .default('embedded'),
  ),
  RECONCILE_INTERVAL_MS: int(100, 3_600_000, 5000),
  HEARTBEAT_INTERVAL_MS: int(100, 3_600_000, 2000),
  MAX_BODY_BYTES: int(1024, 1024 * 1024 * 1024, 1024 * 1024),
  MAX_BODY_DRAIN_BYTES: int(0, 1024 * 1024 * 1024, 8 * 1024 * 1024),
  ORT_INTRA_OP_THREADS: int(0, 256, 1),
  ...ServingEnvShape,
  ...CacheEnvShape,
  ...TelemetryEnvShape,
  // One process, usually without a load balancer in front: nothing to wait for by default.
  SHUTDOWN_DRAIN_MS: int(0, 600_000, 0),
});

export type ServerConfig = ControlPlaneConfig &
  Omit<z.infer<typeof DataPlaneEnvSchema>, 'PREDICT_AUTH'> & {
    predictAuth: boolean;
    /** Set when PREDICT_AUTH=off on a non-loopback HOST: main prints it loudly. */
    predictAuthWarning: string | null;
  };

/**
 * Parses both halves. Predict auth is off by default only in the embedded mode (no DATABASE_URL)
 * listening on a loopback address; on any other HOST it is on unless PREDICT_AUTH=off says otherwise.
 */
export function parseServerConfig(env: Record<string, string | undefined>): ServerConfig {
  const controlPlane = parseControlPlaneConfig(env);
  const result = DataPlaneEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const { PREDICT_AUTH, ...rest } = result.data;
  const decision = resolvePredictAuth({
    setting: PREDICT_AUTH,
    host: controlPlane.HOST,
    embedded: controlPlane.embedded,
  });
  // One process on one machine: its own files (the demo models, `register --artifact-uri file://`) are fair game.
  const ARTIFACT_FILE_ROOT = rest.ARTIFACT_FILE_ROOT ?? (controlPlane.embedded ? '/' : undefined);
  return {
    ...controlPlane,
    ...rest,
    ARTIFACT_FILE_ROOT,
    predictAuth: decision.enabled,
    predictAuthWarning: decision.warning,
  };
}

export { ConfigError };
