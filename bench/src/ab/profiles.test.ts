import { describe, expect, it } from 'vitest';
import type { CpuProfile } from '../profile/stages.ts';
import { MAIN_THREAD, perRequestStages, SERVER_CPU, stageTable } from './profiles.ts';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
const FASTIFY = 'file:///x/node_modules/fastify/lib/reply.js';

// Samples 1 ms apart: Fastify at 1-2 ms, GC at 3 ms, idle at 4 ms, Fastify again at 5-6 ms.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4] },
    { id: 2, callFrame: frame('send', FASTIFY) },
    { id: 3, callFrame: frame('(garbage collector)', '') },
    { id: 4, callFrame: frame('(idle)', '') },
  ],
  startTime: 0,
  endTime: 6000,
  samples: [2, 2, 3, 4, 2, 2],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
};

describe('perRequestStages', () => {
  it('divides the samples of the measured runs only by their 2xx responses', () => {
    const stages = perRequestStages(profile, null, [
      // 1-3 ms: 2 ms of Fastify and 1 ms of GC over 10 responses.
      { rps: 10, serverCpuUs: 400, totalCpuUs: 400, requests: 10, window: { fromUs: 1000, toUs: 3000 } },
      // 5-6 ms: 2 ms of Fastify over 30 responses.
      { rps: 30, serverCpuUs: 200, totalCpuUs: 200, requests: 30, window: { fromUs: 5000, toUs: 6000 } },
      // A round with no window (a results file from before) adds nothing.
      { rps: 99, serverCpuUs: 999, totalCpuUs: 999 },
    ]);
    expect(Object.fromEntries(stages)).toEqual({
      'HTTP framework (Fastify and its parts)': 100, // 4000 µs / 40
      'garbage collection': 25, // 1000 µs / 40
      [MAIN_THREAD]: 125,
      [SERVER_CPU]: 250, // (400·10 + 200·30) / 40
    });
  });

  it('is empty when no round was measured with a window', () => {
    expect(perRequestStages(profile, null, [{ rps: 1, serverCpuUs: 1, totalCpuUs: 1 }]).size).toBe(0);
  });
});

describe('stageTable', () => {
  it('orders stages by the first server, puts the totals last and marks what a server lacks', () => {
    const table = stageTable([
      {
        id: 'base',
        stages: new Map([
          ['a', 1],
          ['b', 5],
          [MAIN_THREAD, 6],
          [SERVER_CPU, 7],
        ]),
      },
      {
        id: 'http-floor',
        stages: new Map([
          ['b', 2],
          ['c', 3],
          [MAIN_THREAD, 5],
          [SERVER_CPU, 6],
        ]),
      },
    ]);
    const rows = table.split('\n').map((line) => line.split(/\s{2,}/));
    expect(rows[0]).toEqual(['stage (µs per 2xx response)', 'base', 'http-floor']);
    expect(rows.slice(1)).toEqual([
      ['b', '5.0', '2.0'],
      ['a', '1.0', '—'],
      ['c', '—', '3.0'],
      [MAIN_THREAD, '6.0', '5.0'],
      [SERVER_CPU, '7.0', '6.0'],
    ]);
  });
});
