import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@modelplane/testing';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type Database, migrate } from '../index.ts';
import type { DB } from '../types.ts';
import { readRoutingRows, routingRowsFromJson, routingRowsToJson } from './routing-tables.ts';

const testDb = await createTestDatabase();
const opened: Database[] = [];
afterAll(async () => {
  for (const database of opened) await database.close();
  await testDb.drop();
});

const engines = [
  {
    kind: 'postgres',
    open: async () => {
      const database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
      opened.push(database);
      return database;
    },
  },
  {
    kind: 'pglite',
    open: async () => {
      const database = await createDb({ kind: 'pglite' });
      opened.push(database);
      await migrate(database);
      return database;
    },
  },
];

/** A model with an active revision, a live and an archived version, written with plain inserts. */
async function seed(db: Kysely<DB>, name: string) {
  const modelId = randomUUID();
  const live = randomUUID();
  const archived = randomUUID();
  await db
    .insertInto('models')
    .values({
      id: modelId,
      name,
      config_generation: 3,
      cache_generation: 2,
      created_by: 't',
      updated_at: new Date(),
    })
    .execute();
  const version = (id: string, label: string, status: string) => ({
    id,
    model_id: modelId,
    version: label,
    backend_kind: 'onnx',
    backend_config: JSON.stringify({ kind: 'onnx' }),
    artifact_uri: 'file:///m.onnx',
    artifact_digest: 'ab'.repeat(32),
    input_schema: JSON.stringify({ type: 'object', properties: { 'quoted "x"': { type: 'number' } } }),
    output_schema: null,
    serving_options: JSON.stringify({ maxBatchSize: 8 }),
    metrics: JSON.stringify({ auc: 0.82 }),
    status,
    created_by: 't',
    cache_generation: 1,
  });
  await db
    .insertInto('model_versions')
    .values([version(live, '1.0.0', 'production'), version(archived, '0.9.0', 'archived')] as never)
    .execute();
  await db
    .insertInto('routing_revisions')
    .values({
      model_id: modelId,
      revision: 1,
      action: 'set',
      weights: JSON.stringify([{ versionId: live, weight: 10000 }]),
      baseline_version_id: live,
      salt: 's',
      bucket_map: Uint8Array.from({ length: 10_000 }, (_, i) => [0, 1, 255, 92, 120, 7][i % 6] as number),
      created_by: 't',
    } as never)
    .execute();
  await db.updateTable('models').set({ active_revision: 1 }).where('id', '=', modelId).execute();
  return { modelId, live };
}

// Bytes as plain arrays whichever class the driver used (a Buffer serialises itself as {type, data}).
const plain = (value: unknown) =>
  JSON.parse(
    JSON.stringify(value, (_k, v) => {
      if (v instanceof Uint8Array) return [...v];
      return v?.type === 'Buffer' && Array.isArray(v.data) ? v.data : v;
    }),
  );

describe.each(engines)('readRoutingRows on $kind', (engine) => {
  it('returns what the query builder reads, in one statement: dates as dates, the bucket map as bytes', async () => {
    const { db } = await engine.open();
    const name = `rt-${randomUUID().slice(0, 8)}`;
    const { modelId, live } = await seed(db, name);
    await seed(db, `${name}-other`);

    const rows = await readRoutingRows(db, name);
    const models = await db.selectFrom('models').selectAll().where('id', '=', modelId).execute();
    const versions = await db
      .selectFrom('model_versions')
      .selectAll()
      .where('model_id', '=', modelId)
      .where('status', '!=', 'archived')
      .execute();
    const revisions = await db
      .selectFrom('routing_revisions')
      .selectAll()
      .where('model_id', '=', modelId)
      .execute();

    expect(plain(rows)).toEqual(plain({ models, versions, revisions }));
    expect(rows.versions.map((v) => v.id)).toEqual([live]);
    expect(rows.models[0]?.created_at).toBeInstanceOf(Date);
    expect(rows.revisions[0]?.created_at).toBeInstanceOf(Date);
    expect(rows.revisions[0]?.bucket_map).toBeInstanceOf(Uint8Array);
    expect([...(rows.revisions[0]?.bucket_map ?? [])].slice(0, 7)).toEqual([0, 1, 255, 92, 120, 7, 0]);
    expect(rows.revisions[0]?.bucket_map.length).toBe(10_000);

    // What the control plane sends with a change message comes back as the same rows.
    const sent = JSON.parse(JSON.stringify(routingRowsToJson(rows)));
    expect(plain(routingRowsFromJson(sent))).toEqual(plain(rows));
    expect(routingRowsFromJson(sent).revisions[0]?.created_at).toBeInstanceOf(Date);

    const all = await readRoutingRows(db);
    expect(all.models.map((m) => m.name)).toEqual(expect.arrayContaining([name, `${name}-other`]));
    expect(all.revisions.length).toBe(all.models.filter((m) => m.active_revision !== null).length);
    expect(await readRoutingRows(db, 'no-such-model')).toEqual({ models: [], versions: [], revisions: [] });
  });
});
