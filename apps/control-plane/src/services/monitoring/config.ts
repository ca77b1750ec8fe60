import { z } from 'zod';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyAsUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

/** Control-plane variables for alerts and monitoring upkeep; docs/monitoring.md describes each. */
export const MonitoringEnvShape = {
  // Alert events are posted here (JSON); without it they are only recorded.
  ALERT_WEBHOOK_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
  ALERT_WEBHOOK_TIMEOUT_MS: int(100, 120_000, 5000),
  ALERT_WEBHOOK_MAX_ATTEMPTS: int(1, 100, 10),
  ALERT_EVAL_INTERVAL_MS: int(100, 3_600_000, 60_000),
  // Partition creation and retention; runs at start and then this often.
  MONITORING_UPKEEP_INTERVAL_MS: int(1000, 86_400_000, 3_600_000),
  // How long creating or dropping a log partition waits for its lock on prediction_log before giving
  // up until the next run; writers queue behind a waiting DDL, so this bounds their stall too.
  PARTITION_LOCK_TIMEOUT_MS: int(1, 600_000, 2000),
  PREDICTION_LOG_RETENTION_DAYS: int(1, 3650, 7),
  ROLLUP_RETENTION_DAYS: int(1, 3650, 30),
  FEEDBACK_RETENTION_DAYS: int(1, 3650, 30),
  // `off` leaves the fleet-wide jobs to other control planes (they still coordinate through Postgres).
  MONITORING_JOBS: z.preprocess(emptyAsUndefined, z.enum(['on', 'off']).default('on')),
};
