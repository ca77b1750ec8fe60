import { describe, expect, it } from 'vitest';
import { parseDuration, parseMetrics, parseRef, parseWeights, percentToBasisPoints } from './args.ts';
import { formatPercent } from './output.ts';

describe('percentToBasisPoints', () => {
  it.each([
    ['10', 1000],
    ['0', 0],
    ['100', 10000],
    ['12.5', 1250],
    ['0.01', 1],
    ['0.29', 29],
    ['33.33', 3333],
  ])('%s %% is %d bp', (text, bp) => {
    expect(percentToBasisPoints(text)).toBe(bp);
  });

  it.each(['', '-1', '100.01', '1.234', 'ten', '1e2', '.5'])('rejects %j', (text) => {
    expect(() => percentToBasisPoints(text)).toThrow(/percent/);
  });
});

describe('parseWeights', () => {
  it('turns percent into basis points', () => {
    expect(parseWeights('1.0.0=90, 2.0.0=10')).toEqual([
      { version: '1.0.0', weight: 9000 },
      { version: '2.0.0', weight: 1000 },
    ]);
    expect(parseWeights('a=33.34,b=33.33,c=33.33').map((w) => w.weight)).toEqual([3334, 3333, 3333]);
  });

  it('insists on 100 %', () => {
    expect(() => parseWeights('a=50,b=49.99')).toThrow('add up to 99.99%, not 100%');
    expect(() => parseWeights('a=90,b')).toThrow(/name=value/);
  });
});

describe('parseRef', () => {
  it('splits model@version', () => {
    expect(parseRef('recs@2.4.0+build.1')).toEqual({ model: 'recs', version: '2.4.0+build.1' });
  });
  it.each(['recs', '@1', 'recs@', 'a@b@c'])('rejects %j', (text) => {
    expect(() => parseRef(text)).toThrow(/<model>@<version>/);
  });
});

describe('parseMetrics', () => {
  it('reads numbers', () => {
    expect(parseMetrics('accuracy=0.91,trainedOnRows=10000')).toEqual({
      accuracy: 0.91,
      trainedOnRows: 10000,
    });
    expect(() => parseMetrics('accuracy=high')).toThrow(/not a number/);
  });
});

describe('formatPercent', () => {
  it.each([
    [10000, '100%'],
    [1000, '10%'],
    [1250, '12.5%'],
    [1, '0.01%'],
    [0, '0%'],
  ])('%d bp is %s', (bp, text) => {
    expect(formatPercent(bp)).toBe(text);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1.5s', 1500],
    [' 10s ', 10_000],
    ['60m', 3_600_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text, '--wait')).toBe(ms);
  });

  it.each(['', '30', '0s', '0.0001s', '-1s', '10h', '61m', 's', '1e3ms', '10 s'])('rejects %j', (text) => {
    expect(() => parseDuration(text, '--wait')).toThrow(/^--wait: .* is not a duration/);
  });
});
