import { describe, expect, it } from 'vitest';
import type { VersionConfig } from '../routing/types.ts';
import { countLoaded, evictionCandidates } from './load-cap.ts';
import type { ModelRunner, VersionState } from './types.ts';
import type { Entry } from './version-entry.ts';

const runner = {} as ModelRunner;

function entry(id: string, lastUsed: number, state: VersionState['status'] = 'ready'): [string, Entry] {
  const status: VersionState =
    state === 'ready'
      ? { status: 'ready', runner }
      : state === 'failed'
        ? { status: 'failed', error: 'x' }
        : { status: state };
  return [
    id,
    {
      version: { id, ref: `m@${id}` } as VersionConfig,
      key: '',
      replacing: null,
      state: status,
      loading: state === 'loading' ? Promise.resolve(runner) : null,
      failures: 0,
      retryAt: 0,
      lastUsed,
    },
  ];
}

const ids = (entries: Entry[]) => entries.map((e) => e.version.id);

describe('evictionCandidates', () => {
  it('evicts nothing while the loaded count is within the cap', () => {
    expect(evictionCandidates([entry('a', 1), entry('b', 2)], new Set(), 2)).toEqual([]);
  });

  it('evicts the least recently used on-demand versions first, as many as the cap is exceeded by', () => {
    const entries = [entry('a', 30), entry('b', 10), entry('c', 20), entry('d', 40)];
    expect(ids(evictionCandidates(entries, new Set(), 2))).toEqual(['b', 'c']);
  });

  it('never evicts routed versions, loads in progress, or versions that hold no session', () => {
    const entries = [
      entry('routed', 1),
      entry('loading', 2, 'loading'),
      entry('failed', 3, 'failed'),
      entry('absent', 4, 'absent'),
      entry('pinned', 5),
    ];
    // Three hold a session (routed, loading, pinned); with a cap of 1 only the pinned one may go.
    expect(ids(evictionCandidates(entries, new Set(['routed']), 1))).toEqual(['pinned']);
    expect(countLoaded(entries, new Set(['routed']))).toEqual({ routed: 1, onDemand: 2 });
  });

  it('leaves a runner being replaced alone, even when it is the least recently used', () => {
    const [id, replacing] = entry('r', 1);
    replacing.replacing = Promise.resolve(runner);
    expect(ids(evictionCandidates([[id, replacing], entry('x', 2)], new Set(), 1))).toEqual(['x']);
  });
});
