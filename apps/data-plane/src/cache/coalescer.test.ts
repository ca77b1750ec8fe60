import { describe, expect, it } from 'vitest';
import { CacheBreaker } from './breaker.ts';
import { Coalescer } from './coalescer.ts';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('Coalescer', () => {
  it('runs one computation for concurrent calls with a key, and forgets it once settled', async () => {
    const coalescer = new Coalescer<number>(10);
    const gate = deferred<number>();
    let runs = 0;
    const compute = () => {
      runs += 1;
      return gate.promise;
    };
    const calls = Array.from({ length: 100 }, () => coalescer.run('k', compute));
    expect(calls.filter((c) => c.leader)).toHaveLength(1);
    expect(coalescer.size).toBe(1);
    gate.resolve(7);
    expect(await Promise.all(calls.map((c) => c.promise))).toEqual(new Array(100).fill(7));
    expect(runs).toBe(1);
    expect(coalescer.size).toBe(0);
  });

  it('hands a failure to every waiter and keeps nothing', async () => {
    const coalescer = new Coalescer<number>(10);
    const gate = deferred<number>();
    const calls = Array.from({ length: 5 }, () => coalescer.run('k', () => gate.promise));
    gate.reject(new Error('boom'));
    const outcomes = await Promise.allSettled(calls.map((c) => c.promise));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(coalescer.size).toBe(0);
    expect(await coalescer.run('k', async () => 1).promise).toBe(1);
  });

  it('holds at most maxKeys keys; beyond that, calls run on their own', async () => {
    const coalescer = new Coalescer<number>(2);
    const gate = deferred<number>();
    coalescer.run('a', () => gate.promise);
    coalescer.run('b', () => gate.promise);
    const third = coalescer.run('c', async () => 3);
    expect(third.leader).toBe(true);
    expect(coalescer.size).toBe(2);
    expect(await third.promise).toBe(3);
    gate.resolve(0);
  });

  it('stays empty after a million distinct keys', async () => {
    const coalescer = new Coalescer<number>(1000);
    for (let i = 0; i < 1_000_000; i += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, j) => coalescer.run(`k${i + j}`, async () => j).promise),
      );
    }
    expect(coalescer.size).toBe(0);
  });
});

describe('CacheBreaker', () => {
  it('opens after consecutive failures, lets one probe through after the open period, and closes on success', () => {
    let now = 0;
    const breaker = new CacheBreaker({ failureThreshold: 3, openMs: 100, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(breaker.allow()).toBe(true);
      breaker.failure();
    }
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    now = 100;
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false); // one probe at a time
    breaker.failure();
    now = 250; // re-opened for twice as long
    expect(breaker.allow()).toBe(false);
    now = 300;
    expect(breaker.allow()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.opens).toBe(2);
  });

  it('resets the failure run on success', () => {
    const breaker = new CacheBreaker({ failureThreshold: 2 });
    breaker.failure();
    breaker.success();
    breaker.failure();
    expect(breaker.state).toBe('closed');
  });
});
