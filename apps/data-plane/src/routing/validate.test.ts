import { deriveBucketMap, encodeBucketMap } from '@modelplane/router';
import { describe, expect, it } from 'vitest';
import type { VersionConfig } from './types.ts';
import { checkRevision, type RevisionCandidate } from './validate.ts';

const version = (id: string): VersionConfig => ({
  id,
  model: 'm',
  version: id,
  ref: `m@${id}`,
  backend: { kind: 'oip', url: 'http://127.0.0.1:9000', remoteName: id },
  artifact: null,
  inputSchema: null,
  outputSchema: null,
  servingOptions: {},
});
const versions = new Map(['a', 'b', 'c'].map((id) => [id, version(id)]));
const weights = [
  { versionId: 'a', weight: 7000 },
  { versionId: 'b', weight: 3000 },
];
const good: RevisionCandidate = {
  number: 4,
  salt: 's1',
  weights,
  baselineVersionId: 'a',
  bucketMap: encodeBucketMap(deriveBucketMap(null, weights)),
  createdAt: new Date(0).toISOString(),
};

function swapped(bytes: Uint8Array, count: number): Uint8Array {
  // Moves `count` buckets from index 0 to index 1, so the counts no longer match the weights.
  const copy = bytes.slice();
  let moved = 0;
  for (let b = 0; b < copy.length && moved < count; b++) {
    if (copy[b] === 0) {
      copy[b] = 1;
      moved++;
    }
  }
  return copy;
}

describe('checkRevision', () => {
  it('accepts a stored map that implements its weights exactly', () => {
    const result = checkRevision(good, versions);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.revision.map.versions).toEqual(['a', 'b']);
      expect(result.revision.weights).toEqual(weights);
    }
  });

  const cases: Array<[string, Partial<RevisionCandidate>, RegExp]> = [
    ['a map whose counts differ from the weights', { bucketMap: swapped(good.bucketMap, 1) }, /owns 6999/],
    ['a map of the wrong length', { bucketMap: good.bucketMap.slice(0, 9999) }, /exactly 10000/],
    ['a map pointing past the weights', { bucketMap: new Uint8Array(10000).fill(7) }, /version index 7/],
    [
      'weights naming an unknown or archived version',
      {
        weights: [
          { versionId: 'a', weight: 7000 },
          { versionId: 'zzz', weight: 3000 },
        ],
      },
      /zzz, which is unknown or archived/,
    ],
    ['a baseline without weight', { baselineVersionId: 'c' }, /baseline c carries no traffic/],
    [
      'weights not summing to 10000',
      {
        weights: [
          { versionId: 'a', weight: 7000 },
          { versionId: 'b', weight: 2000 },
        ],
      },
      /add up to 10000/,
    ],
    [
      'a zero-weight entry (the map order would be ambiguous)',
      {
        weights: [
          { versionId: 'a', weight: 7000 },
          { versionId: 'c', weight: 0 },
          { versionId: 'b', weight: 3000 },
        ],
      },
      /do not match the weights order/,
    ],
    ['weights that are not a list', { weights: { a: 10000 } }, /not a list/],
    ['an empty salt', { salt: '' }, /salt/],
  ];
  it.each(cases)('rejects %s', (_name, change, reason) => {
    const result = checkRevision({ ...good, ...change }, versions);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
