import { createDb, migrate } from '@modelplane/db';
import { createTemplateDatabase } from '@modelplane/testing/global-setup';
import type { TestProject } from 'vitest/node';

/** Migrates one template database per run; each test file clones it with createTestDatabase(). */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = await createTemplateDatabase(async (connectionString) => {
    const database = await createDb({ kind: 'postgres', connectionString });
    try {
      await migrate(database);
    } finally {
      await database.close();
    }
  });
  project.provide('templateDatabase', template.name);
  return () => template.drop();
}
