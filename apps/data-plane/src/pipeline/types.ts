import type { FastifyBaseLogger } from 'fastify';
import type { BackendManager, ModelRunner, Tensor } from '../backends/types.ts';
import type { PredictionCache } from '../cache/prediction-cache.ts';
import type { Problem } from '../errors.ts';
import type { ModelTable, RoutingSnapshot, VersionConfig } from '../routing/types.ts';
import type { Issue } from '../validation/issues.ts';
import type { RequestLimits } from '../validation/limits.ts';
import type { ValidationStats } from '../validation/stats.ts';
import type { ExecutionDeps } from './execute.ts';

/**
 * A protocol's decoder (protocol/tfserving.ts, protocol/oip.ts): turns its checked body into the
 * input tensors of the version that serves it, applying every check that needs that version (its
 * input schema, its tensor signature, the instance limit). `R` is what the protocol's encoder
 * needs to mirror the request in its response (the row or columnar form, the outputs asked for).
 */
export interface Decoder<B, R> {
  decode(
    body: B,
    version: VersionConfig,
    runner: Pick<ModelRunner, 'inputs' | 'outputs'>,
    limits: RequestLimits,
  ): Decoded<R>;
}

/** The version's input tensors, or every issue found (a return value: this is the hot path). */
export type Decoded<R> = { ok: true; tensors: Tensor[]; reply: R } | { ok: false; issues: Issue[] };

/** One prediction as the pipeline takes it: built once by the route, read by every stage, never changed. */
export interface PredictionRequest<B = unknown, R = unknown> {
  readonly snapshot: RoutingSnapshot;
  readonly model: string;
  /** `2.4.0` or `name@2.4.0`: pins the version instead of routing. */
  readonly pin: string | undefined;
  /** Makes the assignment sticky; without it the bucket is random (and logged as not sticky). */
  readonly routingKey: string | undefined;
  /** `Cache-Control: no-cache`: neither read nor write the prediction cache. */
  readonly bypassCache: boolean;
  /** Client deadline from `x-request-timeout-ms`, if any. */
  readonly clientDeadlineMs: number | undefined;
  /** performance.now() when the route took the request: the deadline and the log row count from it. */
  readonly startedAt: number;
  readonly log: FastifyBaseLogger;
  /** The protocol's decoder and its checked body. */
  readonly codec: Decoder<B, R>;
  readonly body: B;
}

/** Where a successful response came from. */
export type ServedFrom = 'backend' | 'cache-memory' | 'cache-redis' | 'fallback';

interface OutcomeFields {
  readonly model: string;
  /** The model's table, once the model was found. */
  readonly table: ModelTable | null;
  /** The version the router (or the pin) assigned. */
  readonly assigned: VersionConfig | null;
  readonly routingKey: string | undefined;
  readonly revision: number | null;
  readonly sticky: boolean;
  /** The caller chose the version (path, header or name@version); experiments leave such requests out. */
  readonly pinned: boolean;
  /** sha256 of the canonical validated input, when computed (the cache key uses it). */
  readonly inputHash: string | null;
  /** The prediction-cache key consulted, when the model's cache was used. */
  readonly cacheKey: string | null;
}

/** An outcome with an answer: what a protocol's encoder takes. */
export type Answered<R> = Extract<Outcome<R>, { problem: null }>;

/** What an outcome says about a prediction besides its outputs: what telemetry and the memo keep. */
export type OutcomeFacts = OutcomeFields & {
  readonly problem: Problem | null;
  readonly served: VersionConfig | null;
  readonly servedFrom: ServedFrom | null;
};

/**
 * What happened to one prediction: returned by the pipeline, never changed afterwards. The route
 * encodes the response and builds the telemetry record from it; a remembered one answers repeats.
 */
export type Outcome<R = unknown> = OutcomeFields &
  (
    | {
        readonly problem: null;
        readonly table: ModelTable;
        readonly assigned: VersionConfig;
        /** The version whose outputs these are: differs from `assigned` only on fallback. */
        readonly served: VersionConfig;
        readonly outputs: readonly Tensor[];
        readonly servedFrom: ServedFrom;
        /** What the encoder needs to mirror the request (from the serving version's decode). */
        readonly reply: R;
      }
    | {
        /** Why it failed. */
        readonly problem: Problem;
        readonly served: null;
        readonly outputs: null;
        readonly servedFrom: null;
        readonly reply: null;
      }
  );

/**
 * What telemetry (metrics, rollups, the prediction log) reads about one prediction after the
 * response is sent. Built once per request by the route, from the outcome (routes/prediction-reply.ts).
 */
export interface PredictionRecord {
  readonly requestId: string;
  readonly model: string;
  readonly assignedVersion: string | null;
  readonly servedVersion: string | null;
  readonly revision: number | null;
  readonly routingKey: string | undefined;
  readonly sticky: boolean;
  readonly servedFrom: ServedFrom | null;
  /** sha256 of the canonical validated input, when computed (the cache key uses it). */
  readonly inputHash: string | null;
  /** The prediction-cache key consulted, when the model's cache was used. */
  readonly cacheKey: string | null;
  readonly startedAt: number;
  readonly errorCode: string | null;
  /** The caller chose the version (path, header or name@version); experiments leave such requests out. */
  readonly pinned?: boolean;
}

/** What the validation stage needs: the request limits and somewhere to count. */
export interface ValidationDeps {
  limits: RequestLimits;
  stats: ValidationStats;
}

/** What the pipeline runs on. */
export interface PipelineDeps {
  backends: BackendManager;
  /** How long a request waits for a version that is still loading before it gets 503. */
  loadWaitMs: number;
  /** Admission bounds, the global deadline cap and backend telemetry (defaults when absent). */
  execution?: ExecutionDeps | undefined;
  /** Request limits and validation counters (defaults when absent). */
  validation?: ValidationDeps;
  /** The two-tier prediction cache; nothing is cached without it. */
  cache?: PredictionCache;
}
