import type { FastifyBaseLogger } from 'fastify';
import type { ModelRunner, Tensor } from '../backends/types.ts';
import type { Problem } from '../errors.ts';
import type { ModelTable, RoutingSnapshot, VersionConfig } from '../routing/types.ts';
import type { PredictionBody } from '../validation/types.ts';

/** One prediction as both protocols describe it, after their own body parsing. */
export interface PredictionInput {
  snapshot: RoutingSnapshot;
  model: string;
  /** `2.4.0` or `name@2.4.0`: pins the version instead of routing. */
  pin: string | undefined;
  /** Makes the assignment sticky; without it the bucket is random (and logged as not sticky). */
  routingKey: string | undefined;
  /** Turns the protocol's body into tensors for the version that will serve it (throws InvalidInputError). */
  decode(runner: ModelRunner, version: VersionConfig): Tensor[];
  /** The parsed body, validated against the serving version's input schema before decoding. */
  body?: PredictionBody;
  /** `Cache-Control: no-cache`: neither read nor write the prediction cache. */
  bypassCache: boolean;
  /** Client deadline from `x-request-timeout-ms`, if any. */
  clientDeadlineMs: number | undefined;
  requestId: string;
  log: FastifyBaseLogger;
}

/** Where a successful response came from. */
export type ServedFrom = 'backend' | 'cache-memory' | 'cache-redis' | 'fallback';

export interface PredictionSuccess {
  ok: true;
  table: ModelTable;
  /** The version the router (or the pin) assigned. */
  assigned: VersionConfig;
  /** The version whose outputs these are: differs from `assigned` only on fallback. */
  served: VersionConfig;
  outputs: Tensor[];
  servedFrom: ServedFrom;
}

export interface PredictionFailure {
  ok: false;
  problem: Problem;
  table?: ModelTable;
  assigned?: VersionConfig;
}

export type PredictionResult = PredictionSuccess | PredictionFailure;

/**
 * What happened to one prediction, kept on the request for telemetry (metrics, prediction log).
 * Filled in by the pipeline; read after the response is sent, never on the request path.
 */
export interface PredictionRecord {
  requestId: string;
  model: string;
  assignedVersion: string | null;
  servedVersion: string | null;
  revision: number | null;
  routingKey: string | undefined;
  sticky: boolean;
  servedFrom: ServedFrom | null;
  /** sha256 of the canonical validated input, when computed (the cache key uses it). */
  inputHash: string | null;
  /** The prediction-cache key consulted, when the model's cache was used. */
  cacheKey: string | null;
  startedAt: number;
  errorCode: string | null;
  /** The caller chose the version (path, header or name@version); experiments leave such requests out. */
  pinned?: boolean;
}
