import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { watchDeadline } from './deadline-clock.ts';

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
});
