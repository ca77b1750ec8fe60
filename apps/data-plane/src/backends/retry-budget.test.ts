import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.ts';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RetryBudget', () => {
  it('allows retries for at most 20 % of requests once past the floor', () => {
    const time = clock();
    const budget = new RetryBudget({ now: time.now });
    let retries = 0;
    for (let i = 0; i < 500; i++) {
      budget.recordRequest();
      if (budget.tryRetry()) retries += 1;
    }
    expect(retries).toBe(100);
  });

  it('lets a quiet endpoint retry up to the floor', () => {
    const budget = new RetryBudget({ now: clock().now, minRetries: 3 });
    budget.recordRequest();
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('forgets requests and retries older than the window', () => {
    const time = clock();
    const budget = new RetryBudget({ now: time.now, windowMs: 1000, minRetries: 0 });
    for (let i = 0; i < 10; i++) budget.recordRequest();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    time.advance(1500);
    expect(budget.tryRetry()).toBe(false);
    for (let i = 0; i < 5; i++) budget.recordRequest();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });
});
