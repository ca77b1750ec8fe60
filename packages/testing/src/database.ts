/**
 * A fresh Postgres database per test file, cloned from a migrated template in milliseconds.
 *
 * Wiring, in the package that owns the tests:
 *   1. `test/global-setup.ts` exports `setup(project)`: it calls `createTemplateDatabase(migrateFn)` from
 *      `@modelplane/testing/global-setup`, then `project.provide('templateDatabase', template.name)`,
 *      and returns `() => template.drop()` as the teardown.
 *   2. `vitest.config.ts` sets `test.globalSetup: ['./test/global-setup.ts']` (a path relative to the
 *      package, so each package migrates with its own code).
 *   3. A test file calls `createTestDatabase()` in `beforeAll` and `drop()` in `afterAll`.
 * See packages/db/test/global-setup.ts and packages/db/vitest.config.ts for a working copy.
 * The admin connection comes from TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { inject } from 'vitest';
import {
  CLONE_PREFIX,
  databaseUrl,
  dropDatabase,
  quoteIdent,
  randomSuffix,
  TEMPLATE_PREFIX,
  withAdmin,
} from './admin-db.ts';
import { TEMPLATE_DATABASE_KEY } from './provided-context.ts';

/** A database owned by one test file. */
export interface TestDatabase {
  name: string;
  connectionString: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** Options for createTestDatabase. */
export interface CreateTestDatabaseOptions {
  /** Start from an empty database (template0) instead of the migrated template, e.g. to test migrations. */
  empty?: boolean;
}

const OBJECT_IN_USE = '55006';
const RETRY_FOR_MS = 5000;

/**
 * Creates `mp_t_<template suffix>_<random>` as a clone of the template provided by the package's
 * globalSetup (or of template0 when `empty`). Each test file gets its own, so files run in parallel.
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const template = inject(TEMPLATE_DATABASE_KEY);
  if (!template && !options.empty) {
    throw new Error(
      "createTestDatabase: no 'templateDatabase' was provided; add a globalSetup that calls createTemplateDatabase()",
    );
  }
  // Clones carry the template's suffix so the template's teardown can drop any that leak.
  const group = template?.startsWith(TEMPLATE_PREFIX) ? `${template.slice(TEMPLATE_PREFIX.length)}_` : '';
  const name = `${CLONE_PREFIX}${group}${randomSuffix()}`;
  const source = options.empty ? 'template0' : template;
  await withAdmin((client) =>
    retryWhileInUse(() => client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(source)}`)),
  );
  return {
    name,
    connectionString: databaseUrl(name),
    drop: () => withAdmin((client) => dropDatabase(client, name)),
  };
}

/** The template is briefly busy while the setup's last connections close, or while another clone copies it. */
async function retryWhileInUse<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    try {
      return await fn();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== OBJECT_IN_USE || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
