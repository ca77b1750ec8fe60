import { describe, expect, it } from 'vitest';
import type { Tensor } from '../backends/types.ts';
import type { ModelTable, VersionConfig } from '../routing/types.ts';
import { cacheKey } from './canonical.ts';
import { PredictionCache } from './prediction-cache.ts';

const y: Tensor[] = [{ name: 'y', datatype: 'FP32', shape: [1], data: [1] }];

function table(cacheGeneration: number, versionGenerations: Record<string, number>): ModelTable {
  const versions = Object.entries(versionGenerations).map(
    ([id, generation]) =>
      ({
        id,
        model: 'm',
        version: id,
        ref: `m@${id}`,
        artifact: null,
        backend: { kind: 'onnx' },
        cacheGeneration: generation,
      }) as VersionConfig,
  );
  return {
    name: 'm',
    generation: 1,
    cacheGeneration,
    cache: { enabled: true, ttlSeconds: 100 },
    revision: null,
    versions: new Map(versions.map((v) => [v.id, v])),
    versionsByLabel: new Map(versions.map((v) => [v.version, v])),
  };
}
const keyFor = (t: ModelTable, id: string, input = 'h') =>
  cacheKey(t, t.versions.get(id) as VersionConfig, input);

describe('PredictionCache', () => {
  it('spreads expiry over TTL ± 10 %', () => {
    let now = 0;
    let random = 0;
    const cache = new PredictionCache({ now: () => now, random: () => random });
    cache.store('short', y, 100);
    random = 0.999_999;
    cache.store('long', y, 100);
    now = 89_999;
    expect(cache.memoryGet('short')).toBeDefined();
    now = 90_000;
    expect(cache.memoryGet('short')).toBeUndefined();
    now = 109_999;
    expect(cache.memoryGet('long')).toBeDefined();
    now = 110_000;
    expect(cache.memoryGet('long')).toBeUndefined();
  });

  it('drops a model’s older entries from memory when a purge raises its cache generation', () => {
    const cache = new PredictionCache();
    const before = table(1, { a: 1, b: 1 });
    cache.observe(before);
    cache.store(keyFor(before, 'a'), y, 100);
    cache.store(keyFor(before, 'b'), y, 100);
    const after = table(2, { a: 1, b: 1 });
    // A replica ahead of this one may already have written the new generation: that stays.
    cache.store(keyFor(after, 'a', 'other'), y, 100);
    cache.observe(after);
    expect(cache.memoryGet(keyFor(before, 'a'))).toBeUndefined();
    expect(cache.memoryGet(keyFor(before, 'b'))).toBeUndefined();
    expect(cache.memoryGet(keyFor(after, 'a', 'other'))).toBeDefined();
    expect(cache.snapshot().purges).toBe(1);
  });

  it('drops only the purged version’s entries on a version purge', () => {
    const cache = new PredictionCache();
    const before = table(1, { a: 1, b: 1 });
    cache.observe(before);
    cache.store(keyFor(before, 'a'), y, 100);
    cache.store(keyFor(before, 'b'), y, 100);
    cache.observe(table(1, { a: 1, b: 2 }));
    expect(cache.memoryGet(keyFor(before, 'a'))).toBeDefined();
    expect(cache.memoryGet(keyFor(before, 'b'))).toBeUndefined();
  });

  it('changes nothing for a new table without a purge', () => {
    const cache = new PredictionCache();
    const before = table(1, { a: 1 });
    cache.observe(before);
    cache.store(keyFor(before, 'a'), y, 100);
    cache.observe(table(1, { a: 1 }));
    expect(cache.memoryGet(keyFor(before, 'a'))).toBeDefined();
    expect(cache.snapshot().purges).toBe(0);
  });
});
