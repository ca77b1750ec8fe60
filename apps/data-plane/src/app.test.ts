import { hashToken } from '@modelplane/db';
import { BUCKET_COUNT } from '@modelplane/router';
import { DomainError } from '@modelplane/schemas';
import { describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import type { BackendManager, ModelRunner, Tensor } from './backends/types.ts';
import type { RoutingSnapshot, VersionConfig } from './routing/types.ts';

// Fakes for behaviour the real ONNX runtime cannot be made to show on demand: slowness, overload.

function version(servingOptions: VersionConfig['servingOptions'] = {}): VersionConfig {
  return {
    id: 'mv_1',
    model: 'm',
    version: '1.0.0',
    ref: 'm@1.0.0',
    backend: { kind: 'onnx' },
    artifact: null,
    inputSchema: null,
    outputSchema: null,
    servingOptions,
  };
}

function snapshot(v: VersionConfig): RoutingSnapshot {
  return {
    models: new Map([
      [
        'm',
        {
          name: 'm',
          generation: 1,
          cacheGeneration: 1,
          cache: { enabled: false, ttlSeconds: 60 },
          revision: {
            number: 1,
            salt: 'salt',
            map: { versions: [v.id], buckets: new Uint8Array(BUCKET_COUNT) },
            weights: [{ versionId: v.id, weight: 10000 }],
            baselineVersionId: v.id,
            createdAt: new Date(0).toISOString(),
          },
          versions: new Map([[v.id, v]]),
          versionsByLabel: new Map([[v.version, v]]),
        },
      ],
    ]),
    tokenHashes: new Set([hashToken('secret')]),
    tokenQuotas: new Map(),
    tokenGeneration: 1,
    source: 'database',
    loadedAt: 0,
  };
}

function runner(infer: (inputs: readonly Tensor[], signal?: AbortSignal) => Promise<Tensor[]>): ModelRunner {
  return {
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
    infer: (inputs, options) => infer(inputs, options?.signal),
    close: async () => {},
  };
}

async function app(v: VersionConfig, r: ModelRunner, predictAuth = false) {
  let reads = 0;
  const snap = snapshot(v);
  const backends: BackendManager = {
    ensureReady: async () => r,
    state: () => ({ status: 'ready', runner: r }),
    retain: () => {},
    close: async () => {},
  };
  const built = await buildApp({
    routing: {
      snapshot: () => {
        reads += 1;
        return snap;
      },
      isStale: () => false,
    },
    backends,
    predictAuth,
  });
  return { app: built, reads: () => reads };
}

const body = { instances: [[1], [2]] };

describe('buildApp with fake parts', () => {
  it('reads one snapshot per request, even with auth on', async () => {
    const echo = runner(async (inputs) => [{ ...(inputs[0] as Tensor), name: 'y' }]);
    const { app: a, reads } = await app(version(), echo, true);
    const res = await a.inject({
      method: 'POST',
      url: '/v1/models/m:predict',
      payload: body,
      headers: { authorization: 'Bearer secret' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ predictions: [[1], [2]], modelVersion: 'm@1.0.0' });
    expect(reads()).toBe(1);
  });

  it('answers 504 when inference outlives the version deadline', async () => {
    const slow = runner(
      (_inputs, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    );
    const { app: a } = await app(version({ deadlineMs: 50 }), slow);
    const res = await a.inject({ method: 'POST', url: '/v1/models/m:predict', payload: body });
    expect(res.statusCode).toBe(504);
    expect(res.json().error).toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      message: 'inference exceeded the 50 ms deadline',
    });
  });

  it('passes a backend domain error through with its status', async () => {
    const full = runner(async () => {
      throw new DomainError('TOO_MANY_REQUESTS', 'm@1.0.0 queue is full');
    });
    const { app: a } = await app(version(), full);
    const v1 = await a.inject({ method: 'POST', url: '/v1/models/m:predict', payload: body });
    expect(v1.statusCode).toBe(429);
    expect(v1.json().error).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: 'm@1.0.0 queue is full' });
    const v2 = await a.inject({
      method: 'POST',
      url: '/v2/models/m/infer',
      payload: { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }] },
    });
    expect(v2.statusCode).toBe(429);
    expect(v2.json()).toEqual({ error: 'TOO_MANY_REQUESTS: m@1.0.0 queue is full' });
  });

  it('hides the detail of an unexpected inference error', async () => {
    const broken = runner(async () => {
      throw new Error('segfault-ish detail at /opt/models/secret.onnx');
    });
    const { app: a } = await app(version(), broken);
    const res = await a.inject({ method: 'POST', url: '/v1/models/m:predict', payload: body });
    expect(res.statusCode).toBe(500);
    expect(res.json().error).toMatchObject({ code: 'INTERNAL', message: 'inference failed' });
    expect(res.body).not.toContain('secret');
  });
});
