import { createHash, randomBytes } from 'node:crypto';
import { createTestDatabase } from '@modelplane/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, type Database, migrate } from '../index.ts';
import {
  ARTIFACT_CHUNK_BYTES,
  artifactExists,
  findArtifact,
  putArtifact,
  putArtifactStream,
  readArtifact,
} from './artifacts.ts';

const testDb = await createTestDatabase();
const opened: Database[] = [];
afterAll(async () => {
  for (const database of opened) await database.close();
  await testDb.drop();
});

// Each engine opens once per file: migrating a fresh PGlite takes seconds.
const once = <T>(fn: () => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => {
    value ??= fn();
    return value;
  };
};

const engines = [
  {
    kind: 'postgres',
    open: once(async () => {
      const database = await createDb({ kind: 'postgres', connectionString: testDb.connectionString });
      opened.push(database);
      return database;
    }),
  },
  {
    kind: 'pglite',
    open: once(async () => {
      const database = await createDb({ kind: 'pglite' });
      opened.push(database);
      await migrate(database);
      return database;
    }),
  },
];

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.each(engines)('artifacts on $kind', (engine) => {
  it('stores a stream of odd-sized pieces in whole chunks and refuses a stream that differs', async () => {
    const { db } = await engine.open();
    const bytes = new Uint8Array(randomBytes(ARTIFACT_CHUNK_BYTES + 777));
    async function* pieces(data: Uint8Array) {
      for (let at = 0; at < data.length; at += 65_537) yield data.subarray(at, at + 65_537);
    }
    const expected = { digest: sha256(bytes), sizeBytes: bytes.length };
    const tampered = Uint8Array.from(bytes);
    tampered[5] = (tampered[5] ?? 0) ^ 1;
    await expect(putArtifactStream(db, expected, pieces(tampered), 'tester')).rejects.toThrow(
      `hashing to ${sha256(tampered)}`,
    );
    expect(await artifactExists(db, expected.digest)).toBe(false);
    expect(await putArtifactStream(db, expected, pieces(bytes), 'tester')).toEqual({
      ...expected,
      created: true,
    });
    expect(await findArtifact(db, expected.digest)).toMatchObject({ chunkCount: 2 });
    const back = await readArtifact(db, expected.digest);
    expect(back && Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
  });

  it('round-trips bytes across several chunks, keyed by their sha256', async () => {
    const { db } = await engine.open();
    const bytes = new Uint8Array(randomBytes(ARTIFACT_CHUNK_BYTES * 2 + 12_345));
    const stored = await putArtifact(db, bytes, 'tester');
    expect(stored).toEqual({ digest: sha256(bytes), sizeBytes: bytes.byteLength, created: true });
    const info = await findArtifact(db, stored.digest);
    expect(info).toMatchObject({ sizeBytes: bytes.byteLength, chunkCount: 3, createdBy: 'tester' });
    const back = await readArtifact(db, stored.digest);
    expect(back && Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
  });

  it('stores the same bytes once, even when uploaded concurrently', async () => {
    const { db } = await engine.open();
    const bytes = new Uint8Array(randomBytes(3000));
    const results = await Promise.all([putArtifact(db, bytes, 'a'), putArtifact(db, bytes, 'b')]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await putArtifact(db, bytes, 'c')).created).toBe(false);
    const rows = await db
      .selectFrom('artifact_chunks')
      .select('seq')
      .where('digest', '=', sha256(bytes))
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('handles empty artifacts and unknown digests', async () => {
    const { db } = await engine.open();
    const empty = await putArtifact(db, new Uint8Array(0), 'tester');
    expect(empty.sizeBytes).toBe(0);
    expect(await readArtifact(db, empty.digest)).toEqual(new Uint8Array(0));
    const unknown = 'f'.repeat(64);
    expect(await artifactExists(db, unknown)).toBe(false);
    expect(await readArtifact(db, unknown)).toBeUndefined();
  });
});
