/**
 * The only file in this package that reads `process.env`: every knob a test run accepts lives here.
 */

/** The shared Redis that integration tests use (never stopped or flushed by tests). */
export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** The `redis-server` binary used for private, stoppable instances. */
export function redisServerBin(): string {
  return process.env.TEST_REDIS_SERVER_BIN ?? 'redis-server';
}

/** The chromium the dashboard's browser tests drive (Debian's package; never downloaded). */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** A copy of this process's environment, the base for child processes that tests start. */
export function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** The admin connection string tests use to create and drop their databases on the shared Postgres. */
export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/**
 * Settings for the processes that test stacks start: their model servers listen on 127.0.0.1 and
 * their artifacts are files in temp directories, which replicas and the control plane refuse by
 * default (SSRF and local-read protection). Every stack sets these, as an on-premises user would.
 */
export const LOCAL_SERVING_ENV: Readonly<Record<string, string>> = {
  ALLOW_PRIVATE_NETWORK_BACKENDS: 'true',
  ARTIFACT_FILE_ROOT: '/',
};
