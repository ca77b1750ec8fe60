import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@modelplane/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendStats } from '../backends/stats.ts';
import { LoadGuard } from './load-guard.ts';

// The guard samples this very thread's event loop, so the tests stall it for real with a busy wait.

function stallLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: no timer can fire until this returns
  }
}

/** Lets the guard's overdue sample run (an expired interval fires before a fresh timeout). */
const nextTick = () => sleep(1);

let guard: LoadGuard | undefined;
afterEach(() => guard?.stop());

describe('LoadGuard', () => {
  it('sheds only once the loop has fallen behind on consecutive samples, and lifts when it catches up', async () => {
    const stats = new BackendStats();
    guard = new LoadGuard({ lagLimitMs: 50, sampleMs: 20, heapLimitRatio: 0 }, stats);
    guard.start();
    await waitFor(() => guard?.check() === null, { timeoutMs: 2000 });

    stallLoop(200);
    await nextTick();
    // One stall (a GC pause, a descheduled process) is not overload.
    expect(guard.check()).toBeNull();
    expect(guard.lagMs).toBeGreaterThan(50);

    stallLoop(200);
    await nextTick();
    const problem = guard.check();
    expect(problem).toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 1 });
    expect(problem?.message).toMatch(/^the replica is overloaded \(event loop \d+ ms behind\)$/);
    expect(Number(/(\d+) ms/.exec(problem?.message ?? '')?.[1])).toBeGreaterThanOrEqual(50);
    expect(stats.counters.shed['event-loop-lag']).toBe(1);

    // The first sample under the limit lifts the shedding.
    await waitFor(() => guard?.check() === null, { timeoutMs: 2000 });
  });

  it('refuses on heap use past its ratio of the V8 limit', async () => {
    guard = new LoadGuard({ lagLimitMs: 0, heapLimitRatio: 1e-9, sampleMs: 10 });
    guard.start();
    await waitFor(() => guard?.check() !== null, { timeoutMs: 2000 });
    expect(guard.check()).toEqual({
      code: 'UNAVAILABLE',
      message: 'the replica is overloaded (memory)',
      retryAfterSeconds: 1,
    });
  });

  it('with both limits at 0 never samples and never refuses', async () => {
    guard = new LoadGuard({ lagLimitMs: 0, heapLimitRatio: 0, sampleMs: 10 });
    guard.start();
    stallLoop(100);
    await nextTick();
    stallLoop(100);
    await nextTick();
    expect(guard.check()).toBeNull();
    expect(guard.lagMs).toBe(0);
  });
});
