import type { BucketMap, Weights } from '@modelplane/router';
import type { Backend, CachePolicy, ServingOptions } from '@modelplane/schemas';

/** One registered, non-archived version as the data plane needs it. Immutable once loaded. */
export interface VersionConfig {
  id: string;
  model: string;
  version: string;
  /** `name@version`, the handle users see in responses, headers and logs. */
  ref: string;
  backend: Backend;
  artifact: { uri: string; sha256: string } | null;
  inputSchema: Record<string, unknown> | null;
  outputSchema: Record<string, unknown> | null;
  servingOptions: ServingOptions;
  /** Bumped by `cache.purge` of this version; part of its cache keys (absent in old disk snapshots: 1). */
  cacheGeneration?: number;
}

/** The active routing revision: what the control plane computed and stored; never derived here. */
export interface ActiveRevision {
  number: number;
  salt: string;
  map: BucketMap;
  weights: Weights;
  baselineVersionId: string;
  createdAt: string;
}

/** Everything one model needs on the request path. A new table replaces the old by reference. */
export interface ModelTable {
  name: string;
  /** The model's config generation: bus messages with a larger one trigger a reload. */
  generation: number;
  cacheGeneration: number;
  cache: CachePolicy;
  revision: ActiveRevision | null;
  /** Every non-archived version, by id and by label (pinned requests may name any of them). */
  versions: ReadonlyMap<string, VersionConfig>;
  versionsByLabel: ReadonlyMap<string, VersionConfig>;
}

/** A predict token's fleet-wide quota; this replica enforces its share. `name` labels the metrics. */
export interface TokenQuota {
  name: string;
  ratePerSecond: number;
  burst: number;
}

/** One immutable view of all routing state. Each request reads one snapshot from start to end. */
export interface RoutingSnapshot {
  models: ReadonlyMap<string, ModelTable>;
  /** sha256 hashes of live `predict` tokens. */
  tokenHashes: ReadonlySet<string>;
  /** Quotas of the live predict tokens that have one, by token hash. */
  tokenQuotas: ReadonlyMap<string, TokenQuota>;
  tokenGeneration: number;
  /** Where the snapshot came from: the database, or the replica's disk copy when Postgres was unreachable. */
  source: 'database' | 'disk';
  loadedAt: number;
}
