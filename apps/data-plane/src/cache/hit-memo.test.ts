import { describe, expect, it } from 'vitest';
import type { Tensor } from '../backends/types.ts';
import type { ModelTable } from '../routing/types.ts';
import { HitMemo, MAX_MEMO_BODY_BYTES, memoKey, type RememberedHit } from './hit-memo.ts';
import { PredictionCache } from './prediction-cache.ts';

const table = () => ({ name: 'recs' }) as unknown as ModelTable;
const outputs = (value: number): Tensor[] => [{ name: 'y', datatype: 'FP32', shape: [1, 1], data: [value] }];
const hit = (
  cacheKey: string,
  head = '{"predictions":[[1]],"modelVersion":"recs@1","requestId":',
): RememberedHit => ({
  facts: {
    model: 'recs',
    problem: null,
    table: null,
    assigned: null,
    served: { ref: 'recs@1' },
    servedFrom: 'cache-memory',
    routingKey: 'user-1',
    revision: 1,
    sticky: true,
    pinned: false,
    inputHash: 'h',
    cacheKey,
  } as unknown as RememberedHit['facts'],
  text: { head, id: null, tail: ',"cached":true}' },
});

describe('HitMemo', () => {
  it('answers while the cache holds the very outputs it was built from, and only for that table', () => {
    const cache = new PredictionCache();
    const memo = new HitMemo(cache);
    const t = table();
    const first = outputs(1);
    cache.store('k1', first, 300);
    const stored = cache.memoryGet('k1') as readonly Tensor[];
    memo.remember(t, 'body-1', hit('k1'), stored);
    expect(memo.get(t, 'body-1')?.facts.cacheKey).toBe('k1');
    expect(memo.get(table(), 'body-1')).toBeUndefined();
    expect(memo.get(t, 'body-2')).toBeUndefined();
    // The entry was replaced (expired and recomputed, say): the memo no longer answers.
    cache.store('k1', outputs(2), 300);
    expect(memo.get(t, 'body-1')).toBeUndefined();
  });

  it('forgets its oldest answers to stay within its byte bound', () => {
    const cache = new PredictionCache();
    const memo = new HitMemo(cache);
    const t = table();
    const big = `{"predictions":[${'1,'.repeat(60_000)}1],"modelVersion":"recs@1","requestId":`;
    for (let i = 0; i < 200; i++) {
      cache.store(`k${i}`, outputs(i), 300);
      memo.remember(t, `body-${i}`, hit(`k${i}`, big), cache.memoryGet(`k${i}`) as readonly Tensor[]);
    }
    // 8 MiB hold about 69 of these 120 KB answers: the newest are kept, the oldest are gone.
    expect(memo.get(t, 'body-199')).toBeDefined();
    expect(memo.get(t, 'body-0')).toBeUndefined();
    const kept = Array.from({ length: 200 }, (_, i) => memo.get(t, `body-${i}`)).filter(Boolean).length;
    expect(kept).toBeGreaterThan(30);
    expect(kept).toBeLessThan(80);
  });

  it('keys on the protocol, the pin, the routing-key header and the exact body bytes', () => {
    const body = Buffer.from('{"instances":[1]}');
    const key = (pin?: string, header?: string, bytes = body) => memoKey('tfserving', pin, header, bytes);
    expect(key()).not.toBe(key('1.0.0'));
    expect(key(undefined, 'a')).not.toBe(key());
    expect(key()).not.toBe(key(undefined, undefined, Buffer.from('{"instances": [1]}')));
    expect(key()).not.toBe(memoKey('oip', undefined, undefined, body));
    expect(key(undefined, undefined, Buffer.alloc(MAX_MEMO_BODY_BYTES + 1, 32))).toBeNull();
  });
});
