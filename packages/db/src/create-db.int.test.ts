import { createTestDatabase } from '@modelplane/testing';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type Database, type DbOptions, migrate } from './index.ts';

// One clone of the migrated template for this file; files run in parallel on their own databases.
const testDb = await createTestDatabase();
const opened: Database[] = [];
afterAll(async () => {
  for (const database of opened) await database.close();
  await testDb.drop();
});

async function open(options: DbOptions): Promise<Database> {
  const database = await createDb(options);
  opened.push(database);
  return database;
}

const engines = [
  { kind: 'postgres', open: () => open({ kind: 'postgres', connectionString: testDb.connectionString }) },
  {
    kind: 'pglite',
    open: async () => {
      const database = await open({ kind: 'pglite' });
      await migrate(database);
      return database;
    },
  },
];

describe.each(engines)('column types on $kind', (engine) => {
  it('returns int8 as number, jsonb parsed and bytea as bytes', async () => {
    const { db } = await engine.open();
    const bucketMap = Uint8Array.from({ length: 10_000 }, (_, i) => (i < 9000 ? 0 : 1));
    const weights = [
      { versionId: 'mv_a', weight: 9000 },
      { versionId: 'mv_b', weight: 1000 },
    ];
    const version = (id: string, v: string) => ({
      id,
      model_id: 'm_1',
      version: v,
      backend_kind: 'onnx',
      backend_config: JSON.stringify({ threads: 2 }),
      serving_options: '{}',
      metrics: '{}',
      created_by: 'test',
    });
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('models').values({ id: 'm_1', name: 'iris', created_by: 'test' }).execute();
      await trx
        .insertInto('model_versions')
        .values([version('mv_a', '1'), version('mv_b', '2')])
        .execute();
      await trx
        .insertInto('routing_revisions')
        .values({
          model_id: 'm_1',
          revision: 1,
          action: 'set',
          weights: JSON.stringify(weights),
          baseline_version_id: 'mv_a',
          salt: 's',
          bucket_map: bucketMap,
          created_by: 'test',
        })
        .execute();
      await trx.updateTable('models').set({ active_revision: 1 }).where('id', '=', 'm_1').execute();
    });

    const model = await db.selectFrom('models').selectAll().where('id', '=', 'm_1').executeTakeFirstOrThrow();
    expect(model.config_generation).toBe(1);
    expect(model.created_at).toBeInstanceOf(Date);
    const mv = await db
      .selectFrom('model_versions')
      .selectAll()
      .where('id', '=', 'mv_a')
      .executeTakeFirstOrThrow();
    expect(mv.backend_config).toEqual({ threads: 2 });
    const rev = await db.selectFrom('routing_revisions').selectAll().executeTakeFirstOrThrow();
    expect(rev.weights).toEqual(weights);
    expect(rev.bucket_map).toBeInstanceOf(Uint8Array);
    expect(Uint8Array.from(rev.bucket_map)).toEqual(bucketMap);
    const audit = await db
      .insertInto('audit_log')
      .values({ actor: 'a', actor_role: 'admin', action: 'x', target: 'iris' })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    expect(typeof audit.id).toBe('number');
    const token = await db.selectFrom('token_state').select('generation').executeTakeFirstOrThrow();
    expect(token.generation).toBe(1);
  });
});

describe('postgres timeouts and failures', () => {
  it('cancels a statement that runs past statementTimeoutMs', async () => {
    const { db } = await open({
      kind: 'postgres',
      connectionString: testDb.connectionString,
      statementTimeoutMs: 200,
    });
    const started = Date.now();
    await expect(sql`select pg_sleep(2)`.execute(db)).rejects.toMatchObject({ code: '57014' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('survives the server closing an idle pooled connection', async () => {
    const { db } = await open({
      kind: 'postgres',
      connectionString: testDb.connectionString,
      applicationName: 'mp-idle-kill',
    });
    await sql`select 1`.execute(db);
    const admin = await open({ kind: 'postgres', connectionString: testDb.connectionString });
    const { rows } = await sql<{ killed: boolean }>`
      select pg_terminate_backend(pid) as killed from pg_stat_activity
      where application_name = 'mp-idle-kill' and datname = current_database()`.execute(admin.db);
    expect(rows.length).toBeGreaterThan(0);
    // Without a pool 'error' listener the idle client's error would crash the test process here.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { rows: after } = await sql<{ one: number }>`select 1 as one`.execute(db);
    expect(after).toEqual([{ one: 1 }]);
  });
});
