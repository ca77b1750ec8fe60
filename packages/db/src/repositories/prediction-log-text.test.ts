import { describe, expect, it } from 'vitest';
import { logRow } from '../test-support/log-row.ts';
import type { PredictionLogInput } from './prediction-log-row.ts';
import {
  parsePredictionLogText,
  predictionLogHead,
  predictionLogLine,
  predictionLogTail,
  predictionLogText,
} from './prediction-log-text.ts';

const AT = new Date('2026-12-07T17:01:02.034Z');
const row = (overrides: Partial<PredictionLogInput> = {}) => logRow('req-1', AT, overrides);

describe('prediction log rows as COPY text', () => {
  it('writes one line of tab-separated columns, \\N for null, as Postgres documents the text format', () => {
    expect(predictionLogLine(row())).toBe(
      '2026-12-07T17:01:02.034Z\t1.25\tk1\treq-1\trecs\t2.0.0\t2.0.0\t3\tt\tf\t\\N\tbackend\t200\t\\N\tr1\t\\N\n',
    );
    expect(predictionLogLine(row({ model: 'a\tb\nc\rd\\e' }))).toContain('\ta\\tb\\nc\\rd\\\\e\t');
  });

  it('escapes every row by its own values when rows alternate between plain and awkward ones', () => {
    // Columns that repeat row after row keep their last field: a change in either direction shows.
    const names = ['recs', 'a\tb', 'a\tb', 'recs', '\\N', 'recs'];
    const fields = names.map((model) => predictionLogTail(row({ model })).split('\t')[1]);
    expect(fields).toEqual(['recs', 'a\\tb', 'a\\tb', 'recs', '\\\\N', 'recs']);
    const versions = [null, '1.0.0', null].map((assignedVersion) =>
      predictionLogTail(row({ assignedVersion, replicaId: assignedVersion ?? 'x\ny' })).split('\t'),
    );
    expect(versions.map((f) => [f[2], f[11]])).toEqual([
      ['\\N', 'x\\ny'],
      ['1.0.0', '1.0.0'],
      ['\\N', 'x\\ny'],
    ]);
  });

  it('is the head (time, latency, key hash) and the tail (the rest) written apart and joined', () => {
    const r = row({ routingKeyHash: null, latencyMs: 0.1 + 0.2 });
    expect(predictionLogHead(AT.getTime(), r.latencyMs, null)).toBe(
      '2026-12-07T17:01:02.034Z\t0.30000000000000004\t\\N\t',
    );
    // A time from performance.now() has a fraction of a millisecond; a Date drops it, and so does the text.
    expect(predictionLogHead(AT.getTime() + 0.987, 5, 'h')).toBe('2026-12-07T17:01:02.034Z\t5\th\t');
    // Every millisecond of a second, as Date's own text gives it.
    for (const ms of [0, 7, 99, 100, 999]) {
      const at = Date.UTC(2026, 0, 1, 23, 59, 59, ms);
      expect(predictionLogHead(at, 1, null)).toBe(`${new Date(at).toISOString()}\t1\t\\N\t`);
    }
    expect(predictionLogHead(AT.getTime(), r.latencyMs, null) + predictionLogTail(r)).toBe(
      predictionLogLine(r),
    );
  });

  it('reads back every row it wrote, whatever the text holds', () => {
    const awkward = 'tab\there\nline\r\\N back\\slash "q" ünï 😀';
    const rows = [
      row(),
      row({
        requestId: `odd ${awkward}`,
        createdAt: new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 5)),
        model: awkward,
        assignedVersion: null,
        servedVersion: '\\N',
        revision: null,
        routingKeyHash: null,
        sticky: false,
        pinned: true,
        inputHash: 'h',
        latencyMs: 0.0000001,
        servedFrom: null,
        status: 503,
        errorCode: 'UNAVAILABLE',
        replicaId: awkward,
        payloadJson: JSON.stringify({ input: { text: awkward }, output: [1.5, null] }),
      }),
      row({ requestId: 'far', createdAt: new Date('+012345-01-01T00:00:00.000Z'), latencyMs: 1234.5 }),
    ];
    expect(parsePredictionLogText(predictionLogText(rows))).toEqual(rows);
  });

  it('refuses a line that is not a row', () => {
    expect(() => parsePredictionLogText('a\tb\n')).toThrow(/16 columns, got 2/);
  });
});
