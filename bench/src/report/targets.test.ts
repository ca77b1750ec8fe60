import { describe, expect, it } from 'vitest';
import { verdict } from './markdown.ts';
import { evaluateTargets } from './targets.ts';
import type { HttpRow, TargetRow } from './types.ts';

function row(id: string, rounds: Array<[rps: number, serverUs: number]>): HttpRow {
  const best = rounds.reduce((a, b) => (b[0] > a[0] ? b : a));
  return {
    id,
    label: id,
    connections: 32,
    requests: best[0] * 10,
    durationS: 10,
    rps: best[0],
    p50Ms: 1,
    p99Ms: 2,
    p999Ms: 3,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    statusCodes: { 200: best[0] * 10 },
    counters: {},
    cpuUsPerRequest: { server: best[1] },
    totalCpuUsPerRequest: best[1],
    rpsVsFloor: null,
    serverCpuVsFloor: null,
    rounds: rounds.map(([rps, serverCpuUs]) => ({ rps, serverCpuUs, totalCpuUs: serverCpuUs })),
  };
}

describe('evaluateTargets', () => {
  it('compares two configurations within each round and reports the median over the rounds', () => {
    // The machine slowed down in round 2: best-of-rounds would compare the floor's fast round with
    // the cache's slow one; within each round the ratio is steady.
    const floor = row('floor', [
      [20_000, 40],
      [10_000, 80],
      [19_000, 42],
    ]);
    const hits = row('modelplane-cache-hit', [
      [15_000, 52],
      [7_000, 110],
      [14_000, 60],
    ]);
    const targets = evaluateTargets([floor, hits], null, null);
    const throughput = targets.find((t) => t.target === 'cache hit throughput vs floor');
    expect(throughput?.measured).toBe('0.74x (rounds: 0.75, 0.70, 0.74)');
    expect(throughput?.met).toBe(true);
    const cpu = targets.find((t) => t.target === 'cache hit server CPU/req vs floor');
    expect(cpu?.measured).toBe('1.38x (rounds: 1.30, 1.38, 1.43)');
    expect(cpu?.met).toBe(true);
  });
});

describe('verdicts', () => {
  const floor = row('floor', [
    [20_000, 40],
    [20_000, 40],
    [20_000, 40],
  ]);
  const hitsAt = (...us: number[]) =>
    row(
      'modelplane-cache-hit',
      us.map((u) => [15_000, u]),
    );
  const cpuRow = (hitUs: number[]) =>
    evaluateTargets([floor, hitsAt(...hitUs)], null, null).find(
      (t) => t.target === 'cache hit server CPU/req vs floor',
    ) as TargetRow;

  it('is met or missed when every round agrees', () => {
    const met = cpuRow([52, 56, 58]);
    expect(met.roundsMet).toEqual({ met: 3, of: 3 });
    expect(verdict(met)).toBe('met');
    const missed = cpuRow([64, 70, 75]);
    expect(missed.roundsMet).toEqual({ met: 0, of: 3 });
    expect(verdict(missed)).toBe('**missed**');
  });

  it('is unsettled when the rounds disagree, whichever way the median falls', () => {
    // Ratios 1.30, 1.45, 1.70: the median meets the aim of 1.5x, one round misses it.
    const medianMet = cpuRow([52, 58, 68]);
    expect(medianMet.met).toBe(true);
    expect(verdict(medianMet)).toBe('**unsettled**: 2 of 3 rounds met it');
    // Ratios 1.40, 1.60, 1.75: the median misses, one round meets.
    const medianMissed = cpuRow([56, 64, 70]);
    expect(medianMissed.met).toBe(false);
    expect(verdict(medianMissed)).toBe('**unsettled**: 1 of 3 rounds met it');
  });

  it('shows a third decimal where two would round a ratio onto the other side of the aim', () => {
    // 1.503x prints as 1.50x, which reads as meeting "≤ 1.50x"; 1.4999x as 1.50x is on the right side.
    const row = cpuRow([60.12, 59.996, 56]);
    expect(row.measured).toBe('1.50x (rounds: 1.503, 1.50, 1.40)');
    expect(verdict(row)).toBe('**unsettled**: 2 of 3 rounds met it');
  });

  it('leaves informational figures without a verdict', () => {
    expect(verdict({ scenario: 7, target: 't', measured: 'm', aim: '—', met: null })).toBe('—');
  });
});
