import { describe, expect, it } from 'vitest';
import { ReplicaReport } from './replica-report.ts';

describe('ReplicaReport: the table being warmed', () => {
  it('reports the versions still loading until the apply ends, for a model with no table yet', () => {
    const report = new ReplicaReport();
    report.applying('recs', 3, 7, ['recs@1.0.0', 'recs@2.0.0']);
    expect(report.heartbeat(null).applied.recs).toMatchObject({
      revision: null,
      generation: 0,
      applying: { revision: 3, generation: 7, loading: ['recs@1.0.0', 'recs@2.0.0'] },
    });
    report.settled('recs', 7, 'recs@1.0.0');
    expect(report.heartbeat(null).applied.recs?.applying?.loading).toEqual(['recs@2.0.0']);
    report.doneApplying('recs', 7);
    expect(report.heartbeat(null).applied.recs).toBeUndefined();
  });

  it('ignores news about a generation it is no longer warming', () => {
    const report = new ReplicaReport();
    report.applying('recs', 4, 8, ['recs@2.0.0']);
    // An older warm-up that was still running: it must not replace or end the newer one.
    report.applying('recs', 3, 7, ['recs@1.0.0']);
    report.settled('recs', 7, 'recs@2.0.0');
    report.doneApplying('recs', 7);
    expect(report.heartbeat(null).applied.recs?.applying).toEqual({
      revision: 4,
      generation: 8,
      loading: ['recs@2.0.0'],
    });
  });
});
