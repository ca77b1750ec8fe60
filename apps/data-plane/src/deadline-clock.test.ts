import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { pendingDeadlines, watchDeadline } from './deadline-clock.ts';

describe('the shared deadline clock', () => {
  it('aborts each deadline within a few milliseconds of its time, in order, and calls its listeners', async () => {
    const start = performance.now();
    const fired: number[] = [];
    for (const ms of [40, 10, 25]) {
      const expiry = watchDeadline(start + ms);
      expiry.addEventListener('abort', () => fired.push(ms));
      expiry.addEventListener('abort', () => {
        expect(performance.now() - start).toBeGreaterThanOrEqual(ms - 1);
        expect(performance.now() - start).toBeLessThan(ms + 30);
      });
    }
    await sleep(80);
    expect(fired).toEqual([10, 25, 40]);
  });

  it('never fires a cancelled deadline, and a signal asked for late is already aborted', async () => {
    const cancelled = watchDeadline(performance.now() + 5);
    let calls = 0;
    cancelled.addEventListener('abort', () => calls++);
    cancelled.cancel();
    const passed = watchDeadline(performance.now() + 5);
    await sleep(30);
    expect(calls).toBe(0);
    expect(cancelled.aborted).toBe(false);
    expect(passed.aborted).toBe(true);
    expect(passed.signal.aborted).toBe(true);
    expect(passed.reason).toBeInstanceOf(Error);
  });

  it('aborts a signal made before the deadline when the deadline passes', async () => {
    const expiry = watchDeadline(performance.now() + 5);
    const { signal } = expiry;
    expect(signal.aborted).toBe(false);
    await sleep(30);
    expect(signal.aborted).toBe(true);
  });

  it('lets a finished request leave the clock at once, however long its deadline', () => {
    const before = pendingDeadlines();
    const expiries = Array.from({ length: 10_000 }, (_, i) =>
      watchDeadline(performance.now() + 30_000 + (i % 50)),
    );
    expect(pendingDeadlines()).toBe(before + 10_000);
    for (const expiry of expiries) expiry.cancel();
    expect(pendingDeadlines()).toBe(before);
  });

  it('still fires the others of a millisecond when one of them is cancelled', async () => {
    const at = Math.ceil(performance.now()) + 10;
    const fired: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => {
      const expiry = watchDeadline(at);
      expiry.addEventListener('abort', () => fired.push(name));
      return expiry;
    });
    b?.cancel();
    b?.cancel();
    await sleep(40);
    expect(fired.sort()).toEqual(['a', 'c']);
    expect([a?.aborted, b?.aborted, c?.aborted]).toEqual([true, false, true]);
  });

  it('fires a deadline watched after the earlier ones were all cancelled', async () => {
    for (let i = 0; i < 100; i++) watchDeadline(performance.now() + 5 + i).cancel();
    const late = watchDeadline(performance.now() + 20);
    await sleep(60);
    expect(late.aborted).toBe(true);
  });
});
