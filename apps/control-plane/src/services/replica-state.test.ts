import type { ReplicaModelReport } from '@modelplane/db';
import { describe, expect, it } from 'vitest';
import { type ReplicaStateInput, replicaState, rolloutState } from './replica-state.ts';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);
const STALE_AFTER_MS = 30_000;

/** Revision 5 of `m` (generation 9) routes to m@1 and m@2; created `age` seconds ago. */
function input(
  report: ReplicaModelReport | undefined,
  options: { age?: number; versionErrors?: Record<string, string>; olderTarget?: boolean } = {},
): ReplicaStateInput {
  const age = options.age ?? 1;
  return {
    report,
    versionErrors: options.versionErrors ?? {},
    target: { revision: 5, createdAt: ago(age), refs: ['m@1', 'm@2'] },
    config: options.olderTarget ? null : { generation: 9, updatedAt: ago(age) },
    now: NOW,
    staleAfterMs: STALE_AFTER_MS,
  };
}

const at = (revision: number | null, generation: number, extra: Partial<ReplicaModelReport> = {}) => ({
  revision,
  generation,
  appliedAt: ago(0).toISOString(),
  ...extra,
});
const loadingRev5 = { applying: { revision: 5, generation: 9, loading: ['m@2'] } };

describe('replicaState', () => {
  it.each([
    // name, report, options, expected state, expected reason (substring)
    ['applied revision and config', at(5, 9), {}, 'in-sync', null],
    ['applied a later revision', at(6, 10), {}, 'in-sync', null],
    ['no table at all, just changed', undefined, {}, 'pending', 'has not applied revision 5'],
    ['no table at all, long ago', undefined, { age: 60 }, 'stale', 'has not applied revision 5 for 60s'],
    ['behind a revision, just changed', at(4, 8), {}, 'pending', 'at revision 4, not 5'],
    ['behind a revision, long ago', at(4, 8), { age: 31 }, 'stale', 'at revision 4, not 5 for 31s'],
    ['revision applied, config behind, fresh', at(5, 8), {}, 'pending', 'config generation 8, not 9'],
    ['revision applied, config behind, old', at(5, 8), { age: 45 }, 'stale', 'config generation 8'],
    ['loading the target, fresh', at(4, 8, loadingRev5), {}, 'pending', 'loading m@2'],
    // Still making progress: a slow download is pending, not stale (the data plane bounds it).
    ['loading the target, long ago', at(4, 8, loadingRev5), { age: 600 }, 'pending', 'loading m@2'],
    ['first table loading', at(null, 0, loadingRev5), {}, 'pending', 'loading m@2'],
    [
      'a routed version failed to load',
      at(4, 8),
      { versionErrors: { 'm@2': 'sha256 mismatch' } },
      'failed',
      'm@2: sha256 mismatch',
    ],
    [
      'failure beats loading',
      at(4, 8, loadingRev5),
      { versionErrors: { 'm@2': 'session failed' } },
      'failed',
      'm@2: session failed',
    ],
    [
      'failure beats in-sync',
      at(5, 9),
      { versionErrors: { 'm@1': 'backend gone' } },
      'failed',
      'm@1: backend gone',
    ],
    [
      'failure beats stale',
      undefined,
      { age: 90, versionErrors: { 'm@2': 'bad model' } },
      'failed',
      'm@2: bad model',
    ],
    ['an error on a version not routed', at(5, 9), { versionErrors: { 'm@3': 'x' } }, 'in-sync', null],
    [
      'refused the newest config',
      at(4, 8, { rejected: { revision: 5, generation: 9, reason: 'bucket map' } }),
      {},
      'failed',
      'rejected revision 5: bucket map',
    ],
    [
      'refused an older config only',
      at(4, 7, { rejected: { revision: 4, generation: 8, reason: 'x' } }),
      {},
      'pending',
      'at revision 4, not 5',
    ],
    ['older target: reached', at(5, 7), { olderTarget: true }, 'in-sync', null],
    ['older target: moved past', at(7, 12, loadingRev5), { olderTarget: true }, 'in-sync', null],
    [
      'older target: moved past, old error',
      at(7, 12),
      { olderTarget: true, versionErrors: { 'm@2': 'x' } },
      'in-sync',
      null,
    ],
  ] as const)('%s', (_name, report, options, state, reason) => {
    const verdict = replicaState(input(report, options));
    expect(verdict.state).toBe(state);
    if (reason === null) expect(verdict.reason).toBeNull();
    else expect(verdict.reason).toContain(reason);
  });

  it('names every failed version, and a refusal first', () => {
    const verdict = replicaState(
      input(at(4, 8, { rejected: { revision: 5, generation: 9, reason: 'weights' } }), {
        versionErrors: { 'm@1': 'a', 'm@2': 'b' },
      }),
    );
    expect(verdict).toEqual({ state: 'failed', reason: 'rejected revision 5: weights; m@1: a; m@2: b' });
  });

  it('is in sync with no traffic once the config is applied', () => {
    const base = input(at(null, 9));
    expect(replicaState({ ...base, target: null }).state).toBe('in-sync');
  });
});

describe('rolloutState', () => {
  it.each([
    [[], 'complete'],
    [['in-sync', 'in-sync'], 'complete'],
    [['in-sync', 'pending'], 'progressing'],
    [['stale', 'in-sync'], 'progressing'],
    [['pending', 'failed', 'in-sync'], 'failed'],
  ] as const)('%j → %s', (states, expected) => {
    expect(rolloutState(states)).toBe(expected);
  });
});
