import { createRedis } from '@modelplane/bus';
import { createTestDatabase, deleteRedisKeys, randomPrefix, testRedisUrl } from '@modelplane/testing';
import { expect } from 'vitest';
import { assertBuilt, type CliResult, type RunCliOptions, runCli, startControlPlane } from './processes.ts';

export const ADMIN_TOKEN = 'cli-test-admin-token-0123456789abcdef0123';

/** A control-plane process on its own database and Redis prefix, and a CLI pointed at it. */
export interface PostgresControlPlane {
  url: string;
  /** Runs the CLI with `--url` and the admin token (unless `token` overrides it). */
  cli(args: string[], options?: RunCliOptions & { token?: string }): Promise<CliResult>;
  /** Runs the CLI with `--json`, expects exit 0 and returns the parsed result. */
  json<T = unknown>(args: string[]): Promise<T>;
  close(): Promise<void>;
}

/** Starts the built control plane against a fresh clone of the migrated template database. */
export async function startPostgresControlPlane(): Promise<PostgresControlPlane> {
  assertBuilt();
  const database = await createTestDatabase();
  const prefix = randomPrefix('cli');
  const server = await startControlPlane({
    DATABASE_URL: database.connectionString,
    REDIS_URL: testRedisUrl(),
    MODELPLANE_PREFIX: prefix,
    MODELPLANE_ADMIN_TOKEN: ADMIN_TOKEN,
  }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  const cli: PostgresControlPlane['cli'] = (args, options = {}) =>
    runCli(['--url', server.url, '--token', options.token ?? ADMIN_TOKEN, ...args], options);
  return {
    url: server.url,
    cli,
    async json<T>(args: string[]) {
      const result = await cli([...args, '--json']);
      expect(result, `modelplane ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
      return JSON.parse(result.stdout) as T;
    },
    async close() {
      await server.process.stop();
      await database.drop();
      const redis = createRedis(testRedisUrl(), { offlineQueue: true });
      try {
        await deleteRedisKeys(redis, prefix);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** The one-line failure contract: non-zero exit, a single `error: ` line, no stack trace, nothing on stdout. */
export function expectOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}
