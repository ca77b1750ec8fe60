import type { FastifyReply, FastifyRequest } from 'fastify';
import { type HitMemo, memoKey, type RememberedHit } from '../cache/hit-memo.ts';
import { type Problem, STATUS_BY_CODE, sendProblem, toProblem } from '../errors.ts';
import type { Answered, Outcome, OutcomeFacts, PredictionRecord } from '../pipeline/types.ts';
import { type ResponseText, responseBody } from '../protocol/response-text.ts';
import type { ModelTable } from '../routing/types.ts';
import type { OutputKeeper } from '../telemetry/hooks.ts';
import { singleHeader } from './context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** What happened to this request's prediction, for telemetry after the response (null elsewhere). */
    prediction: PredictionRecord | null;
  }
}

const MAX_CLIENT_DEADLINE_MS = 3_600_000;
const NO_CACHE = /(^|,)\s*no-(cache|store)\s*(,|$)/i;

/** `Cache-Control: no-cache` (or `no-store`): neither read nor write the prediction cache. */
export function bypassesCache(request: FastifyRequest): boolean {
  const cacheControl = singleHeader(request, 'cache-control');
  return cacheControl !== undefined && NO_CACHE.test(cacheControl);
}

/** The client's deadline from `x-request-timeout-ms` (a positive integer, capped at an hour), if any. */
export function clientDeadlineMs(request: FastifyRequest): number | undefined {
  const header = singleHeader(request, 'x-request-timeout-ms');
  if (header === undefined) return undefined;
  const timeout = Number(header);
  return Number.isInteger(timeout) && timeout > 0 ? Math.min(timeout, MAX_CLIENT_DEADLINE_MS) : undefined;
}

/** How a protocol's route answers: its encoder, and the memo of repeated answers (if any). */
export interface Answering<R> {
  protocol: 'tfserving' | 'oip';
  encode(outcome: Answered<R>): ResponseText;
  hits: HitMemo | undefined;
  /** Takes the response body of a prediction whose payload is logged (none without a database). */
  outputs: OutputKeeper | undefined;
}

/**
 * The memo key of a request whose answer may be remembered or already is: the model's cache is on,
 * the caller did not opt out, and the body is small. Null otherwise.
 */
export function memoKeyOf(
  answering: Answering<unknown>,
  request: FastifyRequest,
  table: ModelTable | undefined,
  pin: string | undefined,
  routingKeyHeader: string | undefined,
  bypassCache: boolean,
): string | null {
  if (!answering.hits || !table?.cache.enabled || bypassCache || !request.rawBody) return null;
  return memoKey(answering.protocol, pin, routingKeyHeader, request.rawBody);
}

/**
 * Answers a prediction from its outcome: the protocol's response (an encoding failure becomes its
 * problem) or its problem, with `x-model-version` and `x-cache`. The one place a request's
 * telemetry record is built. A repeatable answer served from memory is remembered under `memo`.
 */
export function sendOutcome<R>(
  request: FastifyRequest,
  reply: FastifyReply,
  answering: Answering<R>,
  outcome: Outcome<R>,
  startedAt: number,
  memo: string | null,
): FastifyReply {
  let problem: Problem | null = outcome.problem;
  let text: ResponseText | null = null;
  if (outcome.problem === null) {
    reply.header('x-model-version', outcome.served.ref);
    try {
      text = answering.encode(outcome);
    } catch (error) {
      // INVALID_INPUT for outputs the request's form cannot carry; anything else is a bug.
      problem = toProblem(error, 0);
      if (STATUS_BY_CODE[problem.code] >= 500) request.log.error({ err: error }, 'request failed');
    }
  } else if (outcome.assigned) {
    reply.header('x-model-version', outcome.assigned.ref);
  }
  request.prediction = predictionRecord(request.id, startedAt, outcome, problem);
  if (problem !== null || text === null) {
    const failed = problem as Problem;
    const { outputs } = answering;
    if (!outputs?.wants(request, STATUS_BY_CODE[failed.code])) return sendProblem(request, reply, failed);
    return sendProblem(request, reply, failed, (body) => outputs.keep(request, body));
  }
  if (memo !== null && outcome.servedFrom === 'cache-memory' && (outcome.sticky || outcome.pinned)) {
    // Remembered only once served from memory: the cache then holds exactly these outputs.
    const { outputs, reply: _mirror, ...facts } = outcome;
    answering.hits?.remember(outcome.table, memo, { facts: facts as RememberedHit['facts'], text }, outputs);
  }
  return sendText(request, reply, answering.outputs, outcome.servedFrom, text);
}

/** Answers a repeat from the memo, with the telemetry record the full path would have built. */
export function sendRemembered(
  request: FastifyRequest,
  reply: FastifyReply,
  answering: Answering<unknown>,
  hits: HitMemo,
  hit: RememberedHit,
): FastifyReply {
  const { facts } = hit;
  request.prediction = predictionRecord(request.id, performance.now(), facts, null);
  hits.countHit(facts.served.ref);
  reply.header('x-model-version', facts.served.ref);
  return sendText(request, reply, answering.outputs, 'cache-memory', hit.text);
}

function sendText(
  request: FastifyRequest,
  reply: FastifyReply,
  outputs: OutputKeeper | undefined,
  servedFrom: OutcomeFacts['servedFrom'],
  text: ResponseText,
): FastifyReply {
  reply.header('x-cache', cacheHeader(servedFrom));
  reply.type('application/json; charset=utf-8');
  const body = responseBody(text, request.id);
  if (outputs?.wants(request, reply.statusCode)) outputs.keep(request, body);
  return reply.send(body);
}

/** `x-cache`: `hit-memory`, `hit-redis` or `miss` (fallback responses are never cached). */
function cacheHeader(servedFrom: OutcomeFacts['servedFrom']): string {
  if (servedFrom === 'cache-memory') return 'hit-memory';
  if (servedFrom === 'cache-redis') return 'hit-redis';
  return 'miss';
}

/** What telemetry reads about the request (metrics, rollups, the prediction log). */
function predictionRecord(
  requestId: string,
  startedAt: number,
  facts: OutcomeFacts,
  problem: Problem | null,
): PredictionRecord {
  return {
    requestId,
    model: facts.model,
    assignedVersion: facts.assigned?.ref ?? null,
    // An answer its encoder refused was still computed by the served version.
    servedVersion: facts.served?.ref ?? null,
    revision: facts.revision,
    routingKey: facts.routingKey,
    sticky: facts.sticky,
    servedFrom: facts.servedFrom,
    inputHash: facts.inputHash,
    cacheKey: facts.cacheKey,
    startedAt,
    errorCode: problem?.code ?? null,
    pinned: facts.pinned,
  };
}
