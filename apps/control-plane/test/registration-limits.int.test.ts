import { createRedisBus } from '@modelplane/bus';
import { type BusMessage, MAX_SCHEMA_BYTES } from '@modelplane/schemas';
import { testRedisUrl, waitFor } from '@modelplane/testing';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/router.ts';
import { type Harness, startControlPlane } from './harness.ts';

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

const backend = (name: string) => ({ kind: 'oip' as const, url: 'http://127.0.0.1:9000', remoteName: name });

async function registerError(input: Record<string, unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await cp.admin.versions.register
    .mutate({ model: 'limits', version: '9.9.9', backend: backend('x'), ...input })
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as TRPCClientError<AppRouter>;
}

describe('version schemas at registration', () => {
  beforeAll(async () => {
    await cp.admin.models.create.mutate({ name: 'limits' });
  });

  it('refuses a schema no replica could compile, naming the field', async () => {
    const error = await registerError({
      inputSchema: { type: 'object', properties: { a: { type: 'nope' } } },
    });
    expect(error.data?.httpStatus).toBe(400);
    expect(error.message).toMatch(/^inputSchema: not a valid JSON Schema: .*type/);
    const bad = await registerError({ outputSchema: { $ref: '#/definitions/missing' } });
    expect(bad.message).toMatch(/^outputSchema: not a valid JSON Schema/);
    const versions = await cp.admin.versions.list.query({ model: 'limits' });
    expect(versions.map((v) => v.version)).not.toContain('9.9.9');
  });

  it(`refuses a schema over ${MAX_SCHEMA_BYTES} bytes, naming the field and the limit`, async () => {
    const inputSchema = { type: 'object', description: 'x'.repeat(MAX_SCHEMA_BYTES) };
    const error = await registerError({ inputSchema });
    expect(error.data?.httpStatus).toBe(400);
    const bytes = Buffer.byteLength(JSON.stringify(inputSchema));
    expect(error.message).toContain(`inputSchema: is ${bytes} bytes as JSON`);
    expect(error.message).toContain(`at most ${MAX_SCHEMA_BYTES} bytes`);
  });

  it('registers versions of two models whose schemas share an $id with different content', async () => {
    const schema = (type: string) => ({
      $id: 'https://schemas.example.com/features.json',
      type: 'object',
      properties: { x: { type } },
    });
    await cp.admin.models.create.mutate({ name: 'ids-a' });
    await cp.admin.models.create.mutate({ name: 'ids-b' });
    await cp.admin.versions.register.mutate({
      model: 'ids-a',
      version: '1',
      backend: backend('a'),
      inputSchema: schema('number'),
    });
    const b = await cp.admin.versions.register.mutate({
      model: 'ids-b',
      version: '1',
      backend: backend('b'),
      inputSchema: schema('string'),
    });
    expect(b.inputSchema).toEqual(schema('string'));
  });
});

describe('change messages', () => {
  it('carry the routing rows while small, and only the generation once the rows pass the threshold', async () => {
    const big = { type: 'object', description: 'y'.repeat(200 * 1024) };
    await cp.admin.models.create.mutate({ name: 'bulky' });
    await cp.admin.versions.register.mutate({ model: 'bulky', version: '1', backend: backend('b1') });
    const first = await waitFor(() => received.find((m) => m.kind === 'model' && m.model === 'bulky'), {
      timeoutMs: 2000,
    });
    expect(first.kind === 'model' && first.rows?.versions).toHaveLength(1);

    // Two versions with 200 KiB schemas put the model's rows past the 256 KiB default.
    await cp.admin.versions.register.mutate({
      model: 'bulky',
      version: '2',
      backend: backend('b2'),
      inputSchema: big,
    });
    await cp.admin.versions.register.mutate({
      model: 'bulky',
      version: '3',
      backend: backend('b3'),
      outputSchema: big,
    });
    const last = await waitFor(
      () =>
        received.find(
          (m) => m.kind === 'model' && m.model === 'bulky' && m.generation === first.generation + 2,
        ),
      { timeoutMs: 2000 },
    );
    expect(last).toMatchObject({ kind: 'model', model: 'bulky' });
    expect(last.kind === 'model' && last.rows).toBeUndefined();
    expect(Buffer.byteLength(JSON.stringify(last))).toBeLessThan(1024);
  });
});
