import type { AuditEntry, CachePurgeResult, Model } from '@modelplane/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectOneLineError,
  type PostgresControlPlane,
  startPostgresControlPlane,
} from './postgres-control-plane.ts';

let cp: PostgresControlPlane;

beforeAll(async () => {
  cp = await startPostgresControlPlane();
  await cp.json(['models', 'create', 'recs', '--cache', 'on']);
  await cp.json([
    'versions',
    'register',
    'recs@1.0.0',
    '--backend',
    'oip',
    '--endpoint',
    'http://127.0.0.1:9000',
    '--remote-name',
    'recs',
  ]);
});

afterAll(async () => {
  await cp?.close();
});

describe('cache purge', () => {
  it('purges a whole model and says when replicas will have emptied their caches', async () => {
    const before = await cp.json<Model>(['models', 'get', 'recs']);
    const result = await cp.cli(['cache', 'purge', 'recs']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      `purged the prediction cache of recs\nreplicas empty both cache tiers once they apply config generation ${before.configGeneration + 1}\n`,
    );
    const [entry] = await cp.json<AuditEntry[]>(['audit', '--target', 'recs', '--limit', '1']);
    expect(entry).toMatchObject({ action: 'cache.purge', actor: 'bootstrap-admin' });
  });

  it('purges one version, with --json output', async () => {
    const purged = await cp.json<CachePurgeResult>(['cache', 'purge', 'recs@1.0.0']);
    expect(purged).toMatchObject({ model: 'recs', version: '1.0.0', versionCacheGeneration: 2 });
    const [entry] = await cp.json<AuditEntry[]>(['audit', '--target', 'recs@1.0.0', '--limit', '1']);
    expect(entry?.action).toBe('cache.purge');
  });

  it.each([
    ['an unknown model', ['cache', 'purge', 'nope'], 1, /^error: model nope not found \(NOT_FOUND\)$/],
    ['an unknown version', ['cache', 'purge', 'recs@9.9.9'], 1, /recs@9\.9\.9 not found \(NOT_FOUND\)$/],
    ['a malformed reference', ['cache', 'purge', 'recs@'], 2, /"recs@" is not a <model>@<version> reference/],
    ['no target', ['cache', 'purge'], 2, /missing <model>\[@<version>\]/],
  ])('fails on %s with one line', async (_name, args, code, pattern) => {
    expectOneLineError(await cp.cli(args), code, pattern);
  });
});
