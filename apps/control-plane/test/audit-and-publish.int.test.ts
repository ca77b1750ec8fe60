import { createRedisBus } from '@modelplane/bus';
import type { BusMessage } from '@modelplane/schemas';
import { testRedisUrl, waitFor } from '@modelplane/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedModel, seedVersions, startControlPlane } from './harness.ts';

let cp: Harness;
let received: BusMessage[];
let closeListener: () => Promise<void>;

beforeAll(async () => {
  cp = await startControlPlane();
  received = [];
  const listener = createRedisBus({ url: testRedisUrl(), prefix: cp.prefix });
  const unsubscribe = await listener.subscribe((message) => received.push(message));
  closeListener = async () => {
    await unsubscribe();
    await listener.close();
  };
});
afterAll(async () => {
  await closeListener?.();
  await cp?.close();
});

const auditCount = async () =>
  Number(
    (
      await cp.deps.db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('audit log', () => {
  it('writes exactly one row per successful mutation with actor, before and after', async () => {
    const start = await auditCount();
    await seedModel(cp.admin, 'audited', ['1', '2']); // 1 create + 2 registers
    await cp.admin.traffic.promote.mutate({ model: 'audited', version: '1' });
    await cp.admin.traffic.canary.mutate({ model: 'audited', version: '2', weight: 2000 });
    expect(await auditCount()).toBe(start + 5);
    const [latest] = await cp.admin.audit.list.query({ target: 'audited', limit: 1 });
    expect(latest).toMatchObject({
      actor: 'bootstrap-admin',
      actorRole: 'admin',
      action: 'traffic.canary',
      target: 'audited',
    });
    expect(latest?.before).toMatchObject({ revision: 1 });
    expect(latest?.after).toMatchObject({ revision: 2 });
  });

  it('writes nothing and publishes nothing for a failed mutation', async () => {
    await seedModel(cp.admin, 'failing', ['1']);
    await cp.admin.traffic.promote.mutate({ model: 'failing', version: '1' });
    await waitFor(() => received.some((m) => m.kind === 'model' && m.model === 'failing'), {
      timeoutMs: 2000,
    });
    const start = await auditCount();
    const messagesBefore = received.length;
    await expect(
      cp.admin.traffic.canary.mutate({ model: 'failing', version: '1', weight: 100 }),
    ).rejects.toThrow();
    await expect(cp.admin.traffic.rollback.mutate({ model: 'failing' })).rejects.toThrow();
    await expect(cp.admin.models.create.mutate({ name: 'failing' })).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await auditCount()).toBe(start);
    expect(received.length).toBe(messagesBefore);
  });
});

describe('publish after commit', () => {
  it('announces each committed change with the model and its new config generation', async () => {
    const announced = () =>
      received
        .filter(
          (m): m is Extract<BusMessage, { kind: 'model' }> => m.kind === 'model' && m.model === 'announced',
        )
        .map((m) => m.generation);
    await cp.admin.models.create.mutate({ name: 'announced' });
    const created = await cp.admin.models.get.query({ name: 'announced' });
    // Creating a model announces nothing: replicas learn of it when it first changes (or by reconcile).
    await seedVersions(cp.admin, 'announced', ['1', '2']);
    const promoted = await cp.admin.traffic.promote.mutate({ model: 'announced', version: '1' });
    expect(promoted.revision).toBe(1);
    await cp.admin.versions.update.mutate({
      model: 'announced',
      version: '2',
      servingOptions: { deadlineMs: 250 },
    });
    await cp.admin.models.update.mutate({ name: 'announced', cache: { enabled: true, ttlSeconds: 60 } });
    await cp.admin.models.update.mutate({ name: 'announced', description: 'not served config' });
    const model = await cp.admin.models.get.query({ name: 'announced' });
    // register, register, promote, serving options, cache policy: five generations, in commit order.
    await waitFor(() => announced().length === 5, { timeoutMs: 2000 });
    const first = created.configGeneration;
    expect(announced()).toEqual([first + 1, first + 2, first + 3, first + 4, first + 5]);
    expect(model.configGeneration).toBe(first + 5);
  });

  it('announces token changes with the global token generation', async () => {
    const token = await cp.admin.tokens.create.mutate({ name: 'gen', role: 'predict' });
    await cp.admin.tokens.revoke.mutate({ id: token.id });
    await waitFor(() => received.filter((m) => m.kind === 'tokens').length >= 2, { timeoutMs: 2000 });
    const gens = received.filter((m) => m.kind === 'tokens').map((m) => m.generation);
    expect(gens[gens.length - 1]).toBe(gens[gens.length - 2]! + 1);
  });
});

describe('strict inputs', () => {
  it('rejects unknown and server-owned fields, naming them', async () => {
    await seedModel(cp.admin, 'strictin', ['1']);
    await expect(
      cp.admin.versions.register.mutate({
        model: 'strictin',
        version: '2',
        backend: { kind: 'oip', url: 'http://127.0.0.1:9000', remoteName: 'x' },
        status: 'production',
      } as never),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' }, message: expect.stringMatching(/status/) });
    await expect(
      cp.admin.versions.update.mutate({
        model: 'strictin',
        version: '1',
        servingOptions: {},
        artifact: { uri: 'file:///x', sha256: 'a'.repeat(64) },
      } as never),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' }, message: expect.stringMatching(/artifact/) });
    await expect(cp.admin.models.create.mutate({ name: 'Bad Name' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringMatching(/^name: model name must match/),
    });
    await expect(
      cp.admin.versions.register.mutate({
        model: 'strictin',
        version: '3',
        backend: { kind: 'oip', url: 'http://user:pw@127.0.0.1:9000', remoteName: 'x' },
      }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/backend.url: endpoint must be an http\(s\) URL without credentials/),
    });
  });
});
