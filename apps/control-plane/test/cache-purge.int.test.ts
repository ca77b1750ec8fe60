import { createRedisBus } from '@modelplane/bus';
import type { BusMessage } from '@modelplane/schemas';
import { testRedisUrl, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedModel, startControlPlane } from './harness.ts';

let cp: Harness;
const received: BusMessage[] = [];
let closeListener: () => Promise<void>;

beforeAll(async () => {
  cp = await startControlPlane();
  const listener = createRedisBus({ url: testRedisUrl(), prefix: cp.prefix });
  const unsubscribe = await listener.subscribe((message) => received.push(message));
  closeListener = async () => {
    await unsubscribe();
    await listener.close();
  };
  await seedModel(cp.admin, 'recs', ['1.0.0', '2.0.0']);
});
afterAll(async () => {
  await closeListener?.();
  await cp?.close();
});

async function generations(model: string) {
  const row = await cp.deps.db
    .selectFrom('models')
    .select(['id', 'config_generation', 'cache_generation'])
    .where('name', '=', model)
    .executeTakeFirstOrThrow();
  const versions = await cp.deps.db
    .selectFrom('model_versions')
    .select(['version', 'cache_generation'])
    .where('model_id', '=', row.id)
    .orderBy('version')
    .execute();
  return {
    config: Number(row.config_generation),
    cache: Number(row.cache_generation),
    versions: Object.fromEntries(versions.map((v) => [v.version, Number(v.cache_generation)])),
  };
}

const auditRows = (target: string) =>
  cp.deps.db
    .selectFrom('audit_log')
    .selectAll()
    .where('target', '=', target)
    .where('action', '=', 'cache.purge')
    .execute();

describe('cache.purge', () => {
  it('bumps the model cache generation and config generation, audits once and publishes after commit', async () => {
    const before = await generations('recs');
    const result = await cp.admin.cache.purge.mutate({ model: 'recs' });
    const after = await generations('recs');
    expect(result).toEqual({
      model: 'recs',
      version: null,
      cacheGeneration: before.cache + 1,
      versionCacheGeneration: null,
      configGeneration: before.config + 1,
    });
    expect(after).toEqual({ config: before.config + 1, cache: before.cache + 1, versions: before.versions });
    const rows = await auditRows('recs');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'bootstrap-admin',
      before: { cacheGeneration: before.cache },
      after: { cacheGeneration: before.cache + 1 },
    });
    await waitFor(
      () => received.some((m) => m.kind === 'model' && m.model === 'recs' && m.generation === after.config),
      { timeoutMs: 2000, message: 'the purge to be published' },
    );
  });

  it('purges one version without touching the model generation or the other versions', async () => {
    const before = await generations('recs');
    const result = await cp.admin.cache.purge.mutate({ model: 'recs', version: '2.0.0' });
    const after = await generations('recs');
    expect(result).toMatchObject({
      version: '2.0.0',
      cacheGeneration: before.cache,
      versionCacheGeneration: (before.versions['2.0.0'] ?? 0) + 1,
      configGeneration: before.config + 1,
    });
    expect(after.cache).toBe(before.cache);
    expect(after.versions).toEqual({ ...before.versions, '2.0.0': (before.versions['2.0.0'] ?? 0) + 1 });
    expect(await auditRows('recs@2.0.0')).toHaveLength(1);
  });

  it.each([
    [{ model: 'nope' }, 'NOT_FOUND'],
    [{ model: 'recs', version: '9.9.9' }, 'NOT_FOUND'],
    [{ model: 'recs', extra: true }, 'BAD_REQUEST'],
    [{ model: 'Not A Name' }, 'BAD_REQUEST'],
  ])('refuses %o with %s and changes nothing', async (input, code) => {
    const before = await generations('recs');
    const auditBefore = (await cp.deps.db.selectFrom('audit_log').select('id').execute()).length;
    const error = await cp.admin.cache.purge.mutate(input as { model: string }).then(
      () => null,
      (e: { data?: { code?: string } }) => e.data?.code,
    );
    expect(error).toBe(code);
    expect(await generations('recs')).toEqual(before);
    expect((await cp.deps.db.selectFrom('audit_log').select('id').execute()).length).toBe(auditBefore);
  });
});
