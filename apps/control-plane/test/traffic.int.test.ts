import { findModelByName, findRevision } from '@modelplane/db';
import { countBuckets, decodeBucketMap } from '@modelplane/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedModel, startControlPlane } from './harness.ts';

let cp: Harness;
beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(async () => {
  await cp?.close();
});

const weightsOf = (revision: { weights: Array<{ version: string; weight: number }> }) =>
  Object.fromEntries(revision.weights.map((w) => [w.version, w.weight]));

async function storedMap(model: string, revision: number) {
  const m = await findModelByName(cp.deps.db, model);
  const row = await findRevision(cp.deps.db, m!.id, revision);
  const versions = (await cp.admin.versions.list.query({ model, includeArchived: true })).reduce(
    (acc, v) => acc.set(v.id, v.version),
    new Map<string, string>(),
  );
  const map = decodeBucketMap(
    row!.weights.map((w) => w.versionId),
    row!.bucket_map,
  );
  return { map, label: (id: string) => versions.get(id) ?? id };
}

describe('traffic changes', () => {
  it('registering versions never changes traffic; promote makes the first baseline', async () => {
    await seedModel(cp.admin, 'first', ['1.0.0', '2.0.0']);
    const before = await cp.admin.traffic.get.query({ model: 'first' });
    expect(before.revision).toBeNull();
    expect(before.versions.map((v) => v.status)).toEqual(['staging', 'staging']);

    const rev = await cp.admin.traffic.promote.mutate({ model: 'first', version: '1.0.0' });
    expect(rev.revision).toBe(1);
    expect(weightsOf(rev)).toEqual({ '1.0.0': 10000 });
    expect(rev.baseline).toBe('1.0.0');

    await cp.admin.versions.register.mutate({
      model: 'first',
      version: '3.0.0',
      backend: { kind: 'oip', url: 'http://127.0.0.1:9000', remoteName: 'x' },
    });
    const after = await cp.admin.traffic.get.query({ model: 'first' });
    expect(after.revision?.revision).toBe(1);
    expect(Object.fromEntries(after.versions.map((v) => [v.version, v.status]))).toEqual({
      '1.0.0': 'production',
      '2.0.0': 'staging',
      '3.0.0': 'staging',
    });
  });

  it('canary scales the others down with largest remainders so the sum stays exactly 10000', async () => {
    await seedModel(cp.admin, 'thirds', ['a', 'b', 'c', 'd']);
    await cp.admin.traffic.set.mutate({
      model: 'thirds',
      weights: [
        { version: 'a', weight: 3334 },
        { version: 'b', weight: 3333 },
        { version: 'c', weight: 3333 },
      ],
    });
    const rev = await cp.admin.traffic.canary.mutate({ model: 'thirds', version: 'd', weight: 1000 });
    // 9000 spread over 3334:3333:3333 is 3000.9, 2999.1, 2999.1 exactly; largest remainders give 3001, 2999, 3000
    // or similar: each within one basis point of exact, summing to 9000.
    const w = weightsOf(rev);
    expect(w.d).toBe(1000);
    expect(w.a! + w.b! + w.c!).toBe(9000);
    expect(Math.abs(w.a! - 3000.9)).toBeLessThan(1);
    expect(Math.abs(w.b! - 2999.1)).toBeLessThan(1);
    expect(Math.abs(w.c! - 2999.1)).toBeLessThan(1);
    expect(rev.baseline).toBe('a');
    const statuses = await cp.admin.versions.list.query({ model: 'thirds' });
    expect(Object.fromEntries(statuses.map((v) => [v.version, v.status]))).toEqual({
      a: 'production',
      b: 'canary',
      c: 'canary',
      d: 'canary',
    });
  });

  it('stores a bucket map whose counts equal the weights and moves only the changed share', async () => {
    await seedModel(cp.admin, 'ramp', ['1', '2']);
    await cp.admin.traffic.promote.mutate({ model: 'ramp', version: '1' });
    const r2 = await cp.admin.traffic.canary.mutate({ model: 'ramp', version: '2', weight: 1000 });
    const r3 = await cp.admin.traffic.canary.mutate({ model: 'ramp', version: '2', weight: 2500 });
    const m2 = await storedMap('ramp', r2.revision);
    const m3 = await storedMap('ramp', r3.revision);
    const counts = countBuckets(m3.map);
    expect(Object.fromEntries([...counts].map(([id, n]) => [m3.label(id), n]))).toEqual({
      '1': 7500,
      '2': 2500,
    });
    let moved = 0;
    for (let b = 0; b < 10000; b++) {
      const before = m2.label(m2.map.versions[m2.map.buckets[b]!]!);
      const after = m3.label(m3.map.versions[m3.map.buckets[b]!]!);
      if (before !== after) {
        moved++;
        expect(before).toBe('1'); // a ramp up never takes a bucket away from the canary
      }
    }
    expect(moved).toBe(1500);
  });

  it('refuses weights that do not sum to 10000, unknown and archived versions, with clear messages', async () => {
    await seedModel(cp.admin, 'strict', ['1', '2', '3']);
    await expect(
      cp.admin.traffic.set.mutate({
        model: 'strict',
        weights: [
          { version: '1', weight: 5000 },
          { version: '2', weight: 4000 },
        ],
      }),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' }, message: expect.stringMatching(/10000/) });
    await expect(
      cp.admin.traffic.set.mutate({ model: 'strict', weights: [{ version: '9', weight: 10000 }] }),
    ).rejects.toMatchObject({ data: { code: 'NOT_FOUND' }, message: expect.stringMatching(/strict@9/) });
    await cp.admin.versions.archive.mutate({ model: 'strict', version: '3' });
    await expect(
      cp.admin.traffic.set.mutate({ model: 'strict', weights: [{ version: '3', weight: 10000 }] }),
    ).rejects.toMatchObject({ data: { code: 'CONFLICT' }, message: expect.stringMatching(/archived/) });
    await cp.admin.traffic.promote.mutate({ model: 'strict', version: '1' });
    await expect(cp.admin.versions.archive.mutate({ model: 'strict', version: '1' })).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
    });
  });

  it('keeps a version identity immutable: the same label cannot be registered twice', async () => {
    await seedModel(cp.admin, 'immutable', ['1.0.0']);
    await expect(
      cp.admin.versions.register.mutate({
        model: 'immutable',
        version: '1.0.0',
        backend: { kind: 'oip', url: 'http://127.0.0.1:9999', remoteName: 'other' },
      }),
    ).rejects.toMatchObject({ data: { code: 'CONFLICT' } });
    const v = await cp.admin.versions.get.query({ model: 'immutable', version: '1.0.0' });
    expect(v.backend).toEqual({ kind: 'oip', url: 'http://127.0.0.1:9000', remoteName: 'immutable-1.0.0' });
  });
});

describe('rollback and reshuffle', () => {
  it('walks back like undo, restores maps exactly, and rolls back to a named revision', async () => {
    await seedModel(cp.admin, 'undo', ['1', '2', '3']);
    const r1 = await cp.admin.traffic.promote.mutate({ model: 'undo', version: '1' });
    const r2 = await cp.admin.traffic.canary.mutate({ model: 'undo', version: '2', weight: 1000 });
    const r3 = await cp.admin.traffic.canary.mutate({ model: 'undo', version: '3', weight: 2000 });

    const back1 = await cp.admin.traffic.rollback.mutate({ model: 'undo' });
    expect(back1.revision).toBe(4);
    expect(back1.restoresRevision).toBe(r2.revision);
    expect(weightsOf(back1)).toEqual(weightsOf(r2));
    const mapBack1 = await storedMap('undo', back1.revision);
    const mapR2 = await storedMap('undo', r2.revision);
    expect(Buffer.from(mapBack1.map.buckets).equals(Buffer.from(mapR2.map.buckets))).toBe(true);

    const back2 = await cp.admin.traffic.rollback.mutate({ model: 'undo' });
    expect(back2.restoresRevision).toBe(r1.revision); // further back, not flipping to r3
    expect(weightsOf(back2)).toEqual({ '1': 10000 });
    await expect(cp.admin.traffic.rollback.mutate({ model: 'undo' })).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
      message: expect.stringMatching(/no earlier revision/),
    });

    const toR3 = await cp.admin.traffic.rollback.mutate({ model: 'undo', to: r3.revision });
    expect(weightsOf(toR3)).toEqual(weightsOf(r3));
    expect(toR3.salt).toBe(r3.salt);
    const statuses = await cp.admin.versions.list.query({ model: 'undo' });
    expect(statuses.map((v) => v.status)).toEqual(['production', 'canary', 'canary']);
  });

  it('refuses to roll back to a revision that uses an archived version', async () => {
    await seedModel(cp.admin, 'archived-rb', ['1', '2']);
    await cp.admin.traffic.promote.mutate({ model: 'archived-rb', version: '1' });
    await cp.admin.traffic.promote.mutate({ model: 'archived-rb', version: '2' });
    await cp.admin.versions.archive.mutate({ model: 'archived-rb', version: '1' });
    await expect(cp.admin.traffic.rollback.mutate({ model: 'archived-rb' })).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
      message: expect.stringMatching(/archived/),
    });
  });

  it('changes the salt only on reshuffle', async () => {
    await seedModel(cp.admin, 'salty', ['1', '2']);
    const r1 = await cp.admin.traffic.promote.mutate({ model: 'salty', version: '1' });
    const r2 = await cp.admin.traffic.canary.mutate({ model: 'salty', version: '2', weight: 500 });
    expect(r2.salt).toBe(r1.salt);
    const r3 = await cp.admin.traffic.reshuffle.mutate({ model: 'salty' });
    expect(r3.salt).not.toBe(r2.salt);
    expect(weightsOf(r3)).toEqual(weightsOf(r2));
  });
});

describe('concurrency', () => {
  it('serialises 20 concurrent traffic changes into 20 consecutive revisions', async () => {
    await seedModel(cp.admin, 'busy', ['1', '2']);
    await cp.admin.traffic.promote.mutate({ model: 'busy', version: '1' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        cp.admin.traffic.canary.mutate({ model: 'busy', version: '2', weight: 100 * (i + 1) }),
      ),
    );
    expect(results.map((r) => r.revision).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
    const history = await cp.admin.traffic.history.query({ model: 'busy', limit: 100 });
    expect(history).toHaveLength(21);
    // Each revision was derived from the one before it: no lost update.
    for (const rev of history.slice(0, -1)) expect(rev.derivedFrom).toBe(rev.revision - 1);
    const model = await cp.admin.models.get.query({ name: 'busy' });
    expect(model.activeRevision).toBe(21);
  });
});
