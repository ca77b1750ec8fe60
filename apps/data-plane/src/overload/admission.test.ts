import { describe, expect, it } from 'vitest';
import { BackendStats } from '../backends/stats.ts';
import type { VersionConfig } from '../routing/types.ts';
import { Admission, type Admitted } from './admission.ts';

function version(servingOptions: VersionConfig['servingOptions']): VersionConfig {
  return {
    id: 'mv_1',
    model: 'm',
    version: '1',
    ref: 'm@1',
    backend: { kind: 'onnx' },
    artifact: null,
    inputSchema: null,
    outputSchema: null,
    servingOptions,
  };
}

const never = new AbortController().signal;

function admitted(result: Admitted): { release(): void } {
  if (!result.ok) throw new Error('expected admission');
  return result;
}

describe('Admission', () => {
  it('runs maxInFlight at once, queues up to maxQueue, and refuses the rest with 429 at once', async () => {
    const stats = new BackendStats();
    const admission = new Admission({ maxInFlight: 1, maxQueue: 1, queueTimeoutMs: 1000 }, stats);
    const v = version({ maxInFlight: 2, maxQueue: 1 });
    const first = admitted(await admission.enter(v, never));
    const second = admitted(await admission.enter(v, never));
    const queued = admission.enter(v, never);
    const refused = await admission.enter(v, never);
    expect(refused).toMatchObject({
      ok: false,
      problem: {
        code: 'TOO_MANY_REQUESTS',
        retryAfterSeconds: 1,
        message: 'm@1 is at capacity (2 running, 1 queued)',
      },
    });
    expect(stats.admission()).toEqual([{ version: 'm@1', inFlight: 2, queued: 1 }]);
    first.release();
    const third = admitted(await queued);
    second.release();
    third.release();
    expect(stats.admission()).toEqual([]);
    expect(stats.counters.shed['queue-full']).toBe(1);
  });

  it('gives a queued request 503 with Retry-After when no slot frees within queueTimeoutMs', async () => {
    const admission = new Admission();
    const v = version({ maxInFlight: 1, maxQueue: 5, queueTimeoutMs: 30 });
    const holder = admitted(await admission.enter(v, never));
    const started = performance.now();
    const waited = await admission.enter(v, never);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(waited).toMatchObject({ ok: false, problem: { code: 'UNAVAILABLE', retryAfterSeconds: 1 } });
    holder.release();
    expect(admission.gauges()).toEqual([]);
  });

  it('a request whose deadline passes while queued leaves the queue and frees nothing twice', async () => {
    const admission = new Admission();
    const v = version({ maxInFlight: 1, maxQueue: 5 });
    const holder = admitted(await admission.enter(v, never));
    const deadline = new AbortController();
    const waiting = admission.enter(v, deadline.signal);
    deadline.abort();
    expect(await waiting).toEqual({ ok: false, deadline: true });
    expect(admission.gauges()).toEqual([{ version: 'm@1', inFlight: 1, queued: 0 }]);
    holder.release();
    holder.release();
    expect(admission.gauges()).toEqual([]);
  });

  it('hands slots over in arrival order', async () => {
    const admission = new Admission();
    const v = version({ maxInFlight: 1, maxQueue: 10 });
    const holder = admitted(await admission.enter(v, never));
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      admission.enter(v, never).then((r) => {
        order.push(n);
        admitted(r).release();
      }),
    );
    holder.release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
  });
});
