import type { Revision } from '@modelplane/schemas';
import { describe, expect, it } from 'vitest';
import { type ReplicaView, renderTraffic, type TrafficView } from './traffic.ts';

const revision: Revision = {
  model: 'recs',
  revision: 4,
  action: 'canary',
  weights: [
    { version: '1.0.0', weight: 9000 },
    { version: '3.0.0', weight: 1000 },
  ],
  baseline: '1.0.0',
  salt: '00112233aabbccdd',
  derivedFrom: 3,
  restoresRevision: null,
  createdBy: 'ops',
  createdAt: '2026-01-02T03:04:05.678Z',
};

const replica = (overrides: Partial<ReplicaView>): ReplicaView => ({
  replicaId: 'dp-a',
  state: 'in-sync',
  reason: null,
  appliedRevision: 4,
  lastSeenAt: '2026-01-02T03:04:07.000Z',
  rejectedRevision: null,
  versionErrors: {},
  lastError: null,
  ...overrides,
});

const view = (replicas: ReplicaView[]): TrafficView => ({
  model: 'recs',
  revision,
  versions: [
    { version: '1.0.0', status: 'production' },
    { version: '3.0.0', status: 'canary' },
  ],
  replicas,
});

describe('traffic show', () => {
  it('prints the versions, then one row per live replica with its errors', () => {
    const lines = renderTraffic(
      view([
        replica({}),
        replica({
          replicaId: 'dp-b',
          state: 'failed',
          reason: 'rejected revision 4: bucket map; recs@3.0.0: artifact failed sha256 verification',
          appliedRevision: 3,
          lastSeenAt: '2026-01-02T03:04:06.000Z',
          rejectedRevision: 4,
          versionErrors: { 'recs@3.0.0': 'artifact failed sha256 verification' },
          lastError: 'reconcile failed: connection reset',
        }),
        replica({ replicaId: 'dp-c', state: 'pending', reason: 'loading recs@3.0.0', appliedRevision: null }),
        replica({
          replicaId: 'dp-d',
          state: 'stale',
          reason: 'at revision 3, not 4 for 45s',
          appliedRevision: 3,
        }),
      ]),
    );
    expect(lines).toEqual([
      'recs: revision 4 (canary by ops, 2026-01-02 03:04:05Z)',
      '',
      'VERSION  WEIGHT  STATUS      ROLE',
      '1.0.0    90%     production  baseline',
      '3.0.0    10%     canary',
      '',
      'REPLICA  STATE    APPLIED  LAST SEEN             REASON',
      'dp-a     in-sync  4        2026-01-02 03:04:07Z  -',
      'dp-b     failed   3        2026-01-02 03:04:06Z  rejected revision 4: bucket map; recs@3.0.0: artifact failed sha256 verification; reconcile failed: connection reset',
      'dp-c     pending  -        2026-01-02 03:04:07Z  loading recs@3.0.0',
      'dp-d     stale    3        2026-01-02 03:04:07Z  at revision 3, not 4 for 45s',
    ]);
  });

  it('prints a warning line for a version that serves although its zero warm-up failed', () => {
    const reason =
      'the warm-up with zeros (variable dims set to 1) failed: Pad reflect requires axis length >= 2';
    const lines = renderTraffic(
      view([replica({ versionWarnings: { 'recs@3.0.0': reason } }), replica({ replicaId: 'dp-b' })]),
    );
    expect(lines.slice(-2)).toEqual(['', `warning: dp-a: recs@3.0.0 serves, but ${reason}`]);
    expect(lines.find((l) => l.startsWith('dp-a'))).toMatch(/in-sync .* -$/);
  });

  it('leaves the replica table out when no replica reports', () => {
    const lines = renderTraffic(view([]));
    expect(lines.at(-1)).toBe('3.0.0    10%     canary');
    expect(lines.join('\n')).not.toContain('REPLICA');
  });
});
