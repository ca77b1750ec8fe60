import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { type Harness, startControlPlane } from './harness.ts';

let cp: Harness;
let counter = 0;
const SHA = 'a'.repeat(64);

beforeAll(async () => {
  cp = await startControlPlane();
  await cp.admin.models.create.mutate({ name: 'dest' });
});
beforeEach(() => {
  // What an unset environment gives; deps.config is read on every registration.
  cp.deps.config.ALLOW_PRIVATE_NETWORK_BACKENDS = false;
  cp.deps.config.BACKEND_HOST_ALLOWLIST = [];
});
afterAll(async () => {
  await cp?.close();
});

function registerRemote(url: string) {
  counter += 1;
  return cp.admin.versions.register.mutate({
    model: 'dest',
    version: `1.0.${counter}`,
    backend: { kind: 'tfserving', url, remoteName: 'recs' },
  });
}

function registerArtifact(uri: string) {
  counter += 1;
  return cp.admin.versions.register.mutate({
    model: 'dest',
    version: `2.0.${counter}`,
    backend: { kind: 'onnx' },
    artifact: { uri, sha256: SHA },
  });
}

async function badRequest(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TRPCClientError);
  expect((error as { data?: { httpStatus?: number } }).data?.httpStatus).toBe(400);
  return (error as Error).message;
}

describe('destinations at registration, by default', () => {
  it.each([
    [
      'backend.url',
      'http://127.0.0.1:8501',
      /backend\.url: host 127\.0\.0\.1 is a loopback address; set ALLOW_PRIVATE_NETWORK_BACKENDS=true/,
    ],
    ['backend.url', 'http://localhost:8501', /backend\.url: host localhost is a loopback address/],
    ['backend.url', 'http://[fd00::5]:8000', /backend\.url: host \[fd00::5\] is a private address/],
    [
      'backend.url',
      'http://169.254.169.254/latest',
      /backend\.url: host 169\.254\.169\.254 is a cloud metadata address/,
    ],
    ['artifact.uri', 'http://10.1.2.3/model.onnx', /artifact\.uri: host 10\.1\.2\.3 is a private address/],
    [
      'artifact.uri',
      'http://[::ffff:a9fe:a9fe]/x',
      /artifact\.uri: host \[::ffff:a9fe:a9fe\] is a cloud metadata address/,
    ],
    [
      'artifact.uri',
      'file:///dev/zero',
      /artifact\.uri: file:\/\/ artifacts may not name device or kernel files/,
    ],
    ['artifact.uri', 'file:///proc/self/environ', /may not name device or kernel files/],
  ])('refuses %s %s with a 400 naming the field', async (field, target, message) => {
    const register = field === 'backend.url' ? registerRemote : registerArtifact;
    expect(await badRequest(register(target))).toMatch(message);
  });

  it('applies BACKEND_HOST_ALLOWLIST to artifact URIs too', async () => {
    cp.deps.config.BACKEND_HOST_ALLOWLIST = ['models.internal'];
    expect(await badRequest(registerArtifact('https://bucket.example.com/model.onnx'))).toMatch(
      /artifact\.uri: host bucket\.example\.com is not on the backend host allowlist \(models\.internal\)/,
    );
    await expect(registerArtifact('https://models.internal/model.onnx')).resolves.toMatchObject({
      artifact: { uri: 'https://models.internal/model.onnx' },
    });
  });

  it('accepts public names (replicas check what they resolve to) and regular file paths', async () => {
    await expect(registerRemote('https://triton.example.com:8000')).resolves.toBeDefined();
    await expect(registerArtifact('file:///srv/models/recs.onnx')).resolves.toBeDefined();
  });
});

describe('ALLOW_PRIVATE_NETWORK_BACKENDS=true', () => {
  it('accepts private and loopback hosts, but never the metadata service', async () => {
    cp.deps.config.ALLOW_PRIVATE_NETWORK_BACKENDS = true;
    await expect(registerRemote('http://127.0.0.1:8501')).resolves.toBeDefined();
    await expect(registerArtifact('http://10.1.2.3/model.onnx')).resolves.toBeDefined();
    expect(await badRequest(registerRemote('http://169.254.169.254/'))).toMatch(/cloud metadata address/);
  });

  it.each([
    ['true', true],
    ['false', false],
    [undefined, false],
  ])('parses %s as %s and refuses other values', (value, parsed) => {
    expect(parseConfig({ ALLOW_PRIVATE_NETWORK_BACKENDS: value }).ALLOW_PRIVATE_NETWORK_BACKENDS).toBe(
      parsed,
    );
    expect(() => parseConfig({ ALLOW_PRIVATE_NETWORK_BACKENDS: 'yes' })).toThrow(
      /ALLOW_PRIVATE_NETWORK_BACKENDS/,
    );
  });
});
