import { DomainError } from '@modelplane/schemas';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RunSkippedError } from '../backends/onnx-runner.ts';
import { BackendStats, type LocalRun } from '../backends/stats.ts';
import type { ModelRunner, Tensor } from '../backends/types.ts';
import { pendingDeadlines } from '../deadline-clock.ts';
import { Admission } from '../overload/admission.ts';
import { runInference } from './execute.ts';
import { fakeVersionConfig } from './test-support/fake-model.ts';

const version = fakeVersionConfig({ label: '1', factor: 1 });
const OUTPUTS: Tensor[] = [{ name: 'y', datatype: 'FP32', shape: [1, 1], data: [7] }];
const log = pino({ level: 'silent' });

/** A runner whose one run ends when the test says so. */
function heldRunner() {
  let end: (outcome: Tensor[] | Error) => void = () => {};
  const runner: ModelRunner = {
    inputs: [],
    outputs: [],
    infer: () =>
      new Promise<Tensor[]>((resolve, reject) => {
        end = (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome));
      }),
    close: async () => {},
  };
  return { runner, end: (outcome: Tensor[] | Error) => end(outcome) };
}

function setup(deadlineMs: number) {
  const stats = new BackendStats();
  const runs: LocalRun[] = [];
  stats.on('run', (run: LocalRun) => runs.push(run));
  const admission = new Admission({ maxInFlight: 1, maxQueue: 0 }, stats);
  const deadline = { ms: deadlineMs, at: performance.now() + deadlineMs };
  return { stats, runs, execution: { admission, maxDeadlineMs: 30_000, stats }, deadline };
}

describe('runInference', () => {
  it('answers with the outputs, then frees the slot, records the run and leaves the deadline clock', async () => {
    const { runs, execution, deadline, stats } = setup(5000);
    const held = heldRunner();
    const result = runInference(held.runner, [], version, log, deadline, execution);
    expect(stats.admission()).toEqual([{ version: 'm@1', inFlight: 1, queued: 0 }]);
    held.end(OUTPUTS);
    await expect(result).resolves.toEqual({ ok: true, outputs: OUTPUTS });
    expect(stats.admission()).toEqual([]);
    expect(runs).toMatchObject([{ version: 'm@1', outcome: 'ok' }]);
    expect(pendingDeadlines()).toBe(0);
  });

  it('answers 504 at the deadline while the run goes on, and holds its slot until the run really ends', async () => {
    const { runs, execution, deadline, stats } = setup(30);
    const held = heldRunner();
    const started = performance.now();
    const result = await runInference(held.runner, [], version, log, deadline, execution);
    expect(performance.now() - started).toBeLessThan(500);
    expect(result).toEqual({
      ok: false,
      problem: { code: 'DEADLINE_EXCEEDED', message: 'inference exceeded the 30 ms deadline' },
    });
    // The run still takes a core: a second request finds no slot.
    expect(stats.admission()).toEqual([{ version: 'm@1', inFlight: 1, queued: 0 }]);
    const refused = await runInference(
      heldRunner().runner,
      [],
      version,
      log,
      setup(5000).deadline,
      execution,
    );
    expect(refused).toMatchObject({ ok: false, problem: { code: 'TOO_MANY_REQUESTS' } });
    // A failure after the deadline is not logged as the request's answer; the slot is freed.
    held.end(new Error('model failed late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stats.admission()).toEqual([]);
    expect(runs).toMatchObject([{ version: 'm@1', outcome: 'error' }]);
    expect(pendingDeadlines()).toBe(0);
  });

  it('passes domain errors through, counts skipped runs, and turns anything else into a 500', async () => {
    const { runs, execution } = setup(5000);
    const cases: Array<[Error, unknown]> = [
      [
        new DomainError('BAD_GATEWAY', 'upstream said no'),
        { code: 'BAD_GATEWAY', message: 'upstream said no' },
      ],
      [new RunSkippedError('m@1'), { code: 'INTERNAL', message: 'inference failed' }],
      [new TypeError('bug'), { code: 'INTERNAL', message: 'inference failed' }],
    ];
    for (const [error, problem] of cases) {
      const held = heldRunner();
      const result = runInference(held.runner, [], version, log, setup(5000).deadline, execution);
      held.end(error);
      await expect(result).resolves.toEqual({ ok: false, problem });
    }
    expect(runs.map((run) => run.outcome)).toEqual(['error', 'skipped', 'error']);
    expect(pendingDeadlines()).toBe(0);
  });
});
