import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TokenQuotas } from './token-quotas.ts';

const quota = { name: 'checkout', ratePerSecond: 10, burst: 20 };

/** How many of `n` requests at time `now` (ms) the bucket admits. */
function admitted(quotas: TokenQuotas, n: number, now: number, q = quota): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (quotas.take('h1', q, now) === 0) ok += 1;
  return ok;
}

describe('TokenQuotas', () => {
  it('admits a full burst, then the rate, and says when to retry', () => {
    const quotas = new TokenQuotas();
    expect(admitted(quotas, 25, 0)).toBe(20);
    // 10/s: one request every 100 ms.
    expect(quotas.take('h1', quota, 50)).toBe(1);
    expect(admitted(quotas, 5, 1000)).toBe(5);
    // The 5 left over at 1 s plus 10 more by 2 s.
    expect(admitted(quotas, 20, 2000)).toBe(15);
  });

  it('never holds more than one burst, however long it was idle', () => {
    const quotas = new TokenQuotas();
    admitted(quotas, 20, 0);
    expect(admitted(quotas, 100, 3_600_000)).toBe(20);
  });

  it('gives each of N replicas 1/N of the rate and of the burst', () => {
    const quotas = new TokenQuotas();
    quotas.setReplicas(4);
    expect(admitted(quotas, 100, 0)).toBe(5);
    // 2.5/s each: in 2 s, 5 more.
    expect(admitted(quotas, 100, 2000)).toBe(5);
  });

  it('shrinks a bucket at once when the fleet grows, and keeps at least one request of burst', () => {
    const quotas = new TokenQuotas();
    quotas.take('h1', quota, 0);
    quotas.setReplicas(2);
    expect(admitted(quotas, 100, 0)).toBe(10);
    quotas.setReplicas(1000);
    const tiny = { name: 'tiny', ratePerSecond: 1, burst: 1 };
    expect(admitted(quotas, 5, 10_000, tiny)).toBe(1);
  });

  it('starts afresh when the quota changes, and forgets tokens that lost theirs', () => {
    const quotas = new TokenQuotas();
    admitted(quotas, 20, 0);
    expect(admitted(quotas, 5, 0, { ...quota, burst: 3 })).toBe(3);
    quotas.retain(new Map());
    expect(admitted(quotas, 50, 0)).toBe(20);
  });

  it('counts refusals per token name on /metrics', async () => {
    const quotas = new TokenQuotas();
    const registry = new Registry();
    quotas.register(registry);
    admitted(quotas, 23, 0);
    quotas.setReplicas(3);
    const text = await registry.metrics();
    expect(text).toContain('modelplane_token_throttled_total{token="checkout"} 3');
    expect(text).toContain('modelplane_token_quota_replicas 3');
  });
});
