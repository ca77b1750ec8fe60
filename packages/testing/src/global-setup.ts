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

export { TEMPLATE_DATABASE_KEY };

/** A migrated template database, created once per vitest run by a package's globalSetup. */
export interface TemplateDatabase {
  name: string;
  /** Drops the template and any per-file clone of it that a test failed to drop. */
  drop(): Promise<void>;
}

/**
 * Creates `mp_tpl_<random>` from the pristine template0, runs `migrateFn` with its connection string,
 * then closes every connection to it and forbids new ones, because CREATE DATABASE ... TEMPLATE refuses
 * a source that anyone is connected to. Does not import @modelplane/db, so db's own tests can use it.
 */
export async function createTemplateDatabase(
  migrateFn: (connectionString: string) => Promise<void>,
): Promise<TemplateDatabase> {
  const suffix = randomSuffix();
  const name = `${TEMPLATE_PREFIX}${suffix}`;
  const drop = async (): Promise<void> => {
    await withAdmin(async (client) => {
      const clones = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
        [`${CLONE_PREFIX}${suffix}_`],
      );
      for (const row of clones.rows) await dropDatabase(client, row.datname);
      await dropDatabase(client, name);
    });
  };
  await withAdmin((client) => client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`));
  try {
    await migrateFn(databaseUrl(name));
    await withAdmin(async (client) => {
      await client.query(`ALTER DATABASE ${quoteIdent(name)} WITH ALLOW_CONNECTIONS false`);
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
    });
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, drop };
}
