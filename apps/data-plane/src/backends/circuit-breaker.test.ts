import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';
import { BackendStats } from './stats.ts';

function setup(options: { failureThreshold?: number; openMs?: number; maxOpenMs?: number } = {}) {
  let now = 0;
  const stats = new BackendStats();
  const transitions: string[] = [];
  stats.on('breaker', (t) => transitions.push(`${t.from}->${t.to}`));
  const breaker = new CircuitBreaker('http://backend', stats, { ...options, now: () => now });
  return { breaker, transitions, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures and refuses until the open period ends', () => {
    const { breaker, transitions, advance } = setup({ failureThreshold: 3, openMs: 1000 });
    for (let i = 0; i < 2; i++) {
      expect(breaker.tryAcquire()).toBe(true);
      breaker.failure();
    }
    expect(breaker.state).toBe('closed');
    breaker.tryAcquire();
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryAfterSeconds()).toBe(1);
    advance(999);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.state).toBe('half-open');
    expect(transitions).toEqual(['closed->open', 'open->half-open']);
  });

  it('a success in between resets the count', () => {
    const { breaker } = setup({ failureThreshold: 3 });
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
  });

  it('lets exactly one probe through when half-open; its success closes the breaker', () => {
    const { breaker, advance } = setup({ failureThreshold: 1, openMs: 100 });
    breaker.failure();
    advance(100);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('a failed probe re-opens it for twice as long, up to the maximum', () => {
    const { breaker, advance } = setup({ failureThreshold: 1, openMs: 100, maxOpenMs: 300 });
    breaker.failure();
    advance(100);
    breaker.tryAcquire();
    breaker.failure();
    expect(breaker.state).toBe('open');
    advance(199);
    expect(breaker.state).toBe('open');
    advance(1);
    breaker.tryAcquire();
    breaker.failure();
    advance(299);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('a probe that was never sent frees the slot for the next one', () => {
    const { breaker, advance } = setup({ failureThreshold: 1, openMs: 10 });
    breaker.failure();
    advance(10);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release();
    expect(breaker.tryAcquire()).toBe(true);
  });
});
