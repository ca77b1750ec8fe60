import { isIP } from 'node:net';
import { parseHostAllowlist } from '@modelplane/schemas';
import { z } from 'zod';
import { DashboardEnvShape } from './dashboard/config.ts';
import { MonitoringEnvShape } from './services/monitoring/config.ts';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const EnvSchema = z.object({
  HOST: z.preprocess(emptyAsUndefined, z.string().default('127.0.0.1')),
  CONTROL_PLANE_PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(7070)),
  DATABASE_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  REDIS_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  MODELPLANE_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('.modelplane')),
  MODELPLANE_PREFIX: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9:_.-]{1,64}$/)
      .default('modelplane:'),
  ),
  MODELPLANE_ADMIN_TOKEN: z.preprocess(emptyAsUndefined, z.string().min(32).optional()),
  DB_STATEMENT_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(100).default(10000)),
  // A replica whose applied revision lags an active revision older than this shows as stale.
  REPLICA_STALE_AFTER_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(30000)),
  // Replicas without a heartbeat for this long drop out of traffic.get (they stopped or lost Postgres).
  REPLICA_LIVE_WINDOW_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1000).default(15000)),
  // A model's change message carries its routing rows up to this size (JSON bytes); above it, only the
  // generation, and replicas read Postgres. Keeps a model with big schemas under Redis's pub/sub limit.
  CHANGE_MESSAGE_MAX_BYTES: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number()
      .int()
      .min(0)
      .default(256 * 1024),
  ),
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  ...MonitoringEnvShape,
  ...DashboardEnvShape,
  // Opt-in for on-premises hosts: versions may then name loopback and private addresses (replicas check too).
  ALLOW_PRIVATE_NETWORK_BACKENDS: z.preprocess(
    emptyAsUndefined,
    z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
  ),
  // Remote backend and artifact hosts versions may name (comma-separated; `*.domain`, `host:port`); empty allows any.
  BACKEND_HOST_ALLOWLIST: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        try {
          return parseHostAllowlist(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
  ),
  // Peers (addresses or CIDRs) whose X-Forwarded-For names the real caller in audit rows; empty trusts none.
  TRUSTED_PROXIES: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        const entries = (value ?? '')
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean);
        const bad = entries.find((entry) => !isAddressOrCidr(entry));
        if (bad === undefined) return entries as readonly string[];
        ctx.addIssue({ code: 'custom', message: `'${bad}' is not an IP address or CIDR range` });
        return z.NEVER;
      }),
  ),
});

/** `10.0.0.7`, `10.0.0.0/8`, `::1` or `fd00::/8`: what Fastify's trustProxy list accepts. */
function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  return bits >= 0 && bits <= (family === 4 ? 32 : 128);
}

export type ControlPlaneConfig = z.infer<typeof EnvSchema> & { embedded: boolean };

export class ConfigError extends Error {}

/** Parses the environment once; a bad value fails start-up with a message naming the variable. */
export function parseConfig(env: Record<string, string | undefined>): ControlPlaneConfig {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const config = { ...result.data, embedded: result.data.DATABASE_URL === undefined };
  if (!config.embedded && !config.MODELPLANE_ADMIN_TOKEN) {
    throw new ConfigError(
      'invalid configuration: MODELPLANE_ADMIN_TOKEN: required (at least 32 characters) when DATABASE_URL is set',
    );
  }
  return config;
}
