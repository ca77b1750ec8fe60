import { generateConversionData } from '@modelplane/demo-models';
import { waitFor } from '@modelplane/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, registerDemo, type Stack, startStack } from './stack.ts';
import { type ComposedReplica, startComposedReplica } from './telemetry-replica.ts';

// A caller cycling version pins must not grow a replica's sessions without bound (MAX_LOADED_VERSIONS).
const CAP = 3;
const LABELS = Array.from({ length: 8 }, (_, i) => `${i + 1}.0.0`);
const conversion = demo('conversion', '1.0.0');
const rows = generateConversionData({ seed: 9, rows: 2 }).rows.map((r) => Array.from(r));

let stack: Stack;
let replica: ComposedReplica;
let token: string;
let expected: number[];

beforeAll(async () => {
  stack = await startStack();
  const { admin } = stack;
  await admin.models.create.mutate({ name: 'conversion' });
  // Eight labels of the same file: the model is the same, each label is its own session.
  for (const label of LABELS) await registerDemo(admin, conversion, label);
  await admin.traffic.set.mutate({ model: 'conversion', weights: [{ version: '1.0.0', weight: 10000 }] });
  token = (await admin.tokens.create.mutate({ name: 'predict', role: 'predict' })).token;
  replica = await startComposedReplica(
    stack.databaseUrl,
    stack.prefix,
    'cap-a',
    {},
    { maxLoadedVersions: CAP },
  );
  await waitFor(async () => (await fetch(`${replica.url}/readyz`)).status === 200, { timeoutMs: 30_000 });
  const session = await ort.InferenceSession.create(conversion.file, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({
      features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 6]),
    });
    expected = Array.from(out.probability?.data as Float32Array);
  } finally {
    await session.release();
  }
}, 90_000);

afterAll(async () => {
  await replica?.close();
  await stack?.close();
});

async function loadedVersions(): Promise<{ routed: number; onDemand: number }> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  const read = (kind: string) => {
    const match = new RegExp(`^modelplane_loaded_versions\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text);
    if (!match) throw new Error(`no modelplane_loaded_versions{kind="${kind}"} in /metrics`);
    return Number(match[1]);
  };
  return { routed: read('routed'), onDemand: read('on-demand') };
}

describe('MAX_LOADED_VERSIONS on a replica', () => {
  it('evicts pinned versions least recently used first and keeps answering every pin correctly', async () => {
    const seen: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (const label of LABELS) {
        const response = await fetch(`${replica.url}/v1/models/conversion:predict`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'x-model-version': label,
            // The cache would answer repeats without touching a session.
            'cache-control': 'no-cache',
          },
          body: JSON.stringify({ instances: rows }),
        });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { modelVersion: string; predictions: number[][] };
        expect(body.modelVersion).toBe(`conversion@${label}`);
        const got = body.predictions.flat();
        for (const [i, v] of got.entries())
          expect(Math.abs(v - (expected[i] as number))).toBeLessThanOrEqual(1e-6);
        const loaded = await loadedVersions();
        expect(loaded.routed).toBe(1);
        seen.push(loaded.routed + loaded.onDemand);
      }
    }
    // The routed version stays; at most CAP sessions in all, or the routed one plus the pinned one in use.
    expect(Math.max(...seen)).toBeLessThanOrEqual(CAP + 1);
    const metrics = await (await fetch(`${replica.url}/metrics`)).text();
    const evictions = Number(/^modelplane_version_evictions_total (\d+)$/m.exec(metrics)?.[1] ?? 0);
    // 7 pinned labels (1.0.0 is routed) cycled twice through CAP - 1 free slots: every other load evicts.
    expect(evictions).toBe((LABELS.length - 1) * 2 - (CAP - 1));
  });
});
