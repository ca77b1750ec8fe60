import { describe, expect, it } from 'vitest';
import { median } from '../harness/median.ts';
import { cpuDifference, parseVariant } from './variants.ts';

const round = (serverCpuUs: number) => ({ rps: 1000, serverCpuUs, totalCpuUs: serverCpuUs });

describe('parseVariant', () => {
  it('resolves the bundle from the repository and reads the environment settings', () => {
    expect(
      parseVariant('nolog=apps/data-plane/dist/main.js,PREDICTION_LOG=off,CACHE_REDIS=off', '/repo'),
    ).toEqual({
      name: 'nolog',
      main: '/repo/apps/data-plane/dist/main.js',
      env: { PREDICTION_LOG: 'off', CACHE_REDIS: 'off' },
      nodeArgs: [],
    });
    expect(parseVariant('gc=main.js,NODE_ARGS=--single-threaded-gc  --max-semi-space-size=32', '/r')).toEqual(
      {
        name: 'gc',
        main: '/r/main.js',
        env: {},
        nodeArgs: ['--single-threaded-gc', '--max-semi-space-size=32'],
      },
    );
    expect(parseVariant('a=/tmp/build/main.js', '/repo').main).toBe('/tmp/build/main.js');
  });

  it('names the malformed part', () => {
    expect(() => parseVariant('apps/data-plane/dist/main.js', '/repo')).toThrow(/expected name=path/);
    expect(() => parseVariant('a=', '/repo')).toThrow(/expected name=path/);
    expect(() => parseVariant('a=main.js,PREDICTION_LOG', '/repo')).toThrow(
      /"PREDICTION_LOG" is not KEY=VALUE/,
    );
  });
});

describe('cpuDifference', () => {
  it('subtracts within each round, so a slow round moves both sides', () => {
    // Round 2 ran in a slow spell: 40 µs more for both builds; the difference stays near -10.
    const baseline = [round(100), round(140), round(98)];
    const variant = [round(90), round(131), round(89)];
    expect(cpuDifference(variant, baseline)).toEqual({ perRound: [-10, -9, -9], median: -9 });
  });

  it('pairs only the rounds both have', () => {
    expect(cpuDifference([round(5), round(6)], [round(1)]).perRound).toEqual([4]);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
