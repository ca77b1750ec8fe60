import { createTestDatabase } from '@modelplane/testing';
import { createDb, type Database } from '../src/index.ts';

/** One engine the tests run against; `open` returns an unmigrated database and registers its cleanup. */
export interface Engine {
  kind: Database['kind'];
  open(): Promise<Database>;
}

/**
 * Both engines, each handing out fresh empty databases. Call `cleanup()` in afterEach: it closes
 * every database opened and drops every Postgres test database created.
 */
export function engines(): { engines: Engine[]; cleanup(): Promise<void> } {
  const undo: Array<() => Promise<void>> = [];
  const track = (database: Database): Database => {
    undo.push(() => database.close());
    return database;
  };
  return {
    engines: [
      {
        kind: 'postgres',
        open: async () => {
          const testDb = await createTestDatabase({ empty: true });
          undo.push(() => testDb.drop());
          return track(await createDb({ kind: 'postgres', connectionString: testDb.connectionString }));
        },
      },
      { kind: 'pglite', open: async () => track(await createDb({ kind: 'pglite' })) },
    ],
    cleanup: async () => {
      // Close pools before dropping their databases.
      for (const step of undo.splice(0).reverse()) await step();
    },
  };
}
