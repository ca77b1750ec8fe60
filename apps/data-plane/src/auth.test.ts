import { hashToken } from '@modelplane/db';
import { describe, expect, it } from 'vitest';
import { bearerToken, isLiveToken } from './auth.ts';
import type { RoutingSnapshot } from './routing/types.ts';

const snapshotWith = (...tokens: string[]) =>
  ({ tokenHashes: new Set(tokens.map(hashToken)) }) as unknown as RoutingSnapshot;

describe('predict tokens', () => {
  it('accepts a live token every time and refuses an unknown one every time', () => {
    const snapshot = snapshotWith('mpt_a_secret');
    for (let i = 0; i < 3; i++) {
      expect(isLiveToken(snapshot, 'mpt_a_secret')).toBe(true);
      expect(isLiveToken(snapshot, 'mpt_a_other')).toBe(false);
    }
  });

  it('forgets what it remembered once the token set changes (a revocation)', () => {
    const before = snapshotWith('mpt_a_secret', 'mpt_b_secret');
    expect(isLiveToken(before, 'mpt_a_secret')).toBe(true);
    const revoked = snapshotWith('mpt_b_secret');
    expect(isLiveToken(revoked, 'mpt_a_secret')).toBe(false);
    expect(isLiveToken(revoked, 'mpt_b_secret')).toBe(true);
  });

  it('reads a bearer header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
