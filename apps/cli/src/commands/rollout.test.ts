import type { ReplicaRollout, RolloutStatus } from '@modelplane/schemas';
import { describe, expect, it } from 'vitest';
import { renderRollout, waitMs } from './rollout.ts';

const replica = (replicaId: string, fields: Partial<ReplicaRollout> = {}): ReplicaRollout => ({
  replicaId,
  hostname: `${replicaId}.local`,
  state: 'in-sync',
  appliedRevision: 7,
  reason: null,
  lastSeenAt: '2026-01-02T03:04:07.000Z',
  ...fields,
});

const status = (state: RolloutStatus['state'], replicas: ReplicaRollout[]): RolloutStatus => ({
  model: 'recs',
  revision: 7,
  activeRevision: 7,
  state,
  replicas,
});

describe('renderRollout', () => {
  it('prints a summary and one line per replica: id, state, applied revision, reason', () => {
    const failed = status('failed', [
      replica('dp-a'),
      replica('dp-b', { state: 'failed', appliedRevision: 6, reason: 'recs@2.0.0: sha256 mismatch' }),
      replica('dp-c', { state: 'pending', appliedRevision: null, reason: 'loading recs@2.0.0' }),
    ]);
    expect(renderRollout({ status: failed, timedOut: false }, 30_000)).toEqual([
      'rollout failed: revision 7 failed on 1 of 3 live replicas',
      '  REPLICA  STATE    APPLIED  REASON',
      '  dp-a     in-sync  7        -',
      '  dp-b     failed   6        recs@2.0.0: sha256 mismatch',
      '  dp-c     pending  -        loading recs@2.0.0',
    ]);
  });

  it('says how long it waited when time ran out, and when there was nothing to wait for', () => {
    const slow = status('progressing', [replica('dp-a'), replica('dp-b', { state: 'stale', reason: 'x' })]);
    expect(renderRollout({ status: slow, timedOut: true }, 1500)[0]).toBe(
      'rollout not complete after 1500ms: 1 of 2 live replicas applied revision 7',
    );
    expect(renderRollout({ status: slow, timedOut: true }, 120_000)[0]).toMatch(/after 2m:/);
    expect(renderRollout({ status: status('complete', []), timedOut: false }, 30_000)).toEqual([
      'rollout: no live replicas; nothing to wait for',
    ]);
  });
});

describe('waitMs', () => {
  it.each([
    [{}, 30_000],
    [{ wait: '10s' }, 10_000],
    [{ 'no-wait': true }, null],
  ])('%j → %j', (flags, expected) => {
    expect(waitMs(flags)).toBe(expected);
  });

  it('refuses both flags at once', () => {
    expect(() => waitMs({ wait: '10s', 'no-wait': true })).toThrow('--wait and --no-wait exclude each other');
  });
});
