import type { LoadedCount } from './stats.ts';
import type { Entry } from './version-entry.ts';

/** Default `MAX_LOADED_VERSIONS`: sessions one replica keeps loaded before it evicts pinned ones. */
export const DEFAULT_MAX_LOADED_VERSIONS = 32;

/** An entry that holds (or is building) a session: what the cap counts. */
function resident(entry: Entry): boolean {
  return entry.state.status === 'ready' || entry.loading !== null;
}

/** The loaded versions, split by routed / on demand. */
export function countLoaded(entries: Iterable<[string, Entry]>, retained: ReadonlySet<string>): LoadedCount {
  const count: LoadedCount = { routed: 0, onDemand: 0 };
  for (const [id, entry] of entries) {
    if (!resident(entry)) continue;
    if (retained.has(id)) count.routed += 1;
    else count.onDemand += 1;
  }
  return count;
}

/**
 * The entries to evict so that at most `cap` versions stay loaded: ready versions outside the
 * routing tables, least recently used first. Versions carrying traffic, loads in progress and
 * runners being replaced are never chosen, so the count can stay above the cap when routing alone
 * needs more; it then settles at the routed versions plus the one being loaded.
 */
export function evictionCandidates(
  entries: Iterable<[string, Entry]>,
  retained: ReadonlySet<string>,
  cap: number,
): Entry[] {
  let loaded = 0;
  const evictable: Entry[] = [];
  for (const [id, entry] of entries) {
    if (!resident(entry)) continue;
    loaded += 1;
    const busy = entry.loading !== null || entry.replacing !== null;
    if (!retained.has(id) && !busy && entry.state.status === 'ready') evictable.push(entry);
  }
  const excess = loaded - cap;
  if (excess <= 0) return [];
  evictable.sort((a, b) => a.lastUsed - b.lastUsed);
  return evictable.slice(0, excess);
}
