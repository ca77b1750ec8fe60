import { hashToken } from '@modelplane/db';
import { describe, expect, it } from 'vitest';
import { bearerToken, liveHeaderHash } from './auth.ts';
import type { RoutingSnapshot } from './routing/types.ts';

const snapshotWith = (...tokens: string[]) =>
  ({ tokenHashes: new Set(tokens.map(hashToken)) }) as unknown as RoutingSnapshot;

describe('predict tokens', () => {
  it('accepts a live token every time and refuses an unknown one every time', () => {
    const snapshot = snapshotWith('mpt_a_secret');
    for (let i = 0; i < 3; i++) {
      expect(liveHeaderHash(snapshot, 'Bearer mpt_a_secret')).toBe(hashToken('mpt_a_secret'));
      expect(liveHeaderHash(snapshot, 'Bearer mpt_a_other')).toBeNull();
    }
  });

  it('accepts every spelling of a bearer header carrying a live token, and nothing else', () => {
    const snapshot = snapshotWith('mpt_a_secret');
    const hash = hashToken('mpt_a_secret');
    for (let i = 0; i < 2; i++) {
      expect(liveHeaderHash(snapshot, 'bearer  mpt_a_secret ')).toBe(hash);
      expect(liveHeaderHash(snapshot, 'BEARER\tmpt_a_secret')).toBe(hash);
      expect(liveHeaderHash(snapshot, 'Basic mpt_a_secret')).toBeNull();
      expect(liveHeaderHash(snapshot, 'mpt_a_secret')).toBeNull();
      expect(liveHeaderHash(snapshot, 'Bearer mpt_a_secret extra')).toBeNull();
    }
  });

  it('forgets what it remembered once the token set changes (a revocation)', () => {
    const before = snapshotWith('mpt_a_secret', 'mpt_b_secret');
    expect(liveHeaderHash(before, 'Bearer mpt_a_secret')).not.toBeNull();
    const revoked = snapshotWith('mpt_b_secret');
    expect(liveHeaderHash(revoked, 'Bearer mpt_a_secret')).toBeNull();
    expect(liveHeaderHash(revoked, 'Bearer mpt_b_secret')).toBe(hashToken('mpt_b_secret'));
  });

  it('reads a bearer header', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
