import type { BucketMap, Weights } from '@modelplane/router';
import type {
  Backend,
  CachePolicy,
  ServingOptions,
  VersionSignature,
  WarmupRequest,
} from '@modelplane/schemas';

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
  /** The tensor signature read at registration (uploaded ONNX artifacts only); metadata without a load. */
  signature?: VersionSignature | null;
  /** The registered warm-up request; absent or null: warm with zeros, and only warn if that fails. */
  warmup?: WarmupRequest | null;
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
  /**
   * Set when a newer table could not be applied because versions it routes to failed to load: the
   * table held meanwhile (or, if none, an empty one) says so to requests that find no route.
   */
  loadFailure?: LoadFailure;
}

/** A table that could not be applied, and why: each routed version that failed, with a safe reason. */
export interface LoadFailure {
  pending: ModelTable;
  failures: ReadonlyArray<{ ref: string; reason: string }>;
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
