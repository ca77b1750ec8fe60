import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { type Harness, startControlPlane } from './harness.ts';

let cp: Harness;

beforeAll(async () => {
  cp = await startControlPlane();
  // The same value BACKEND_HOST_ALLOWLIST would give; deps.config is read on every registration.
  cp.deps.config.BACKEND_HOST_ALLOWLIST = ['models.internal', '*.svc.cluster.local'];
  await cp.admin.models.create.mutate({ name: 'remote' });
});

afterAll(async () => {
  await cp?.close();
});

function register(version: string, url: string) {
  return cp.admin.versions.register.mutate({
    model: 'remote',
    version,
    backend: { kind: 'oip', url, remoteName: 'recs' },
  });
}

describe('backend host allowlist at registration', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://2130706433/',
    'http://[::ffff:127.0.0.1]/',
    'http://models.internal.attacker.io/',
  ])('refuses %s with a 400 naming the host and the list', async (url) => {
    const error = await register('1.0.0', url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as { data?: { httpStatus?: number } }).data?.httpStatus).toBe(400);
    expect((error as Error).message).toMatch(
      /backend\.url: host .+ is not on the backend host allowlist \(models\.internal, \*\.svc\.cluster\.local\)/,
    );
    expect(await cp.admin.versions.list.query({ model: 'remote' })).toEqual([]);
  });

  it('accepts hosts on the list', async () => {
    await expect(register('1.0.0', 'http://triton.ml.svc.cluster.local:8000')).resolves.toMatchObject({
      ref: 'remote@1.0.0',
    });
    await expect(register('2.0.0', 'https://models.internal/')).resolves.toMatchObject({
      ref: 'remote@2.0.0',
    });
  });

  it('a malformed BACKEND_HOST_ALLOWLIST fails start-up naming the variable and the entry', () => {
    expect(() => parseConfig({ BACKEND_HOST_ALLOWLIST: 'models.internal, http://x' })).toThrow(
      /BACKEND_HOST_ALLOWLIST: "http:\/\/x" is not a host/,
    );
  });
});
