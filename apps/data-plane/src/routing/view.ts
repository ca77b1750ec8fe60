import type { RoutingSnapshot } from './types.ts';

/** What the request path reads from the routing state: one snapshot per request, by reference. */
export interface RoutingView {
  /** The current immutable snapshot, or null before the first one loaded (the replica is then not ready). */
  snapshot(): RoutingSnapshot | null;
  /** True when serving from a snapshot the replica could not refresh from Postgres (disk copy or outage). */
  isStale(): boolean;
}
