import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { predictAuthHook } from './auth.ts';
import type { BackendManager } from './backends/types.ts';
import { HitMemo } from './cache/hit-memo.ts';
import type { PredictionCache } from './cache/prediction-cache.ts';
import { registerCacheAndValidation } from './cache/register.ts';
import { type Problem, registerErrorHandlers, sendProblem } from './errors.ts';
import type { RequestTracker } from './overload/lifecycle.ts';
import type { ExecutionDeps } from './pipeline/execute.ts';
import type { TokenQuotas } from './quota/token-quotas.ts';
import { timeOrderedUuid } from './request-id.ts';
import { appLogger } from './request-logger.ts';
import { callerRequestId } from './routes/context.ts';
import { feedbackRoutes } from './routes/feedback.ts';
import { healthRoutes } from './routes/health.ts';
import { oipModelRoutes } from './routes/oip.ts';
import { predictRoutes } from './routes/predict.ts';
import type { RoutingView } from './routing/view.ts';
import { createTelemetry, registerTelemetry, type Telemetry } from './telemetry/index.ts';
import type { RequestLimits } from './validation/limits.ts';

/** Everything the HTTP surface needs; main.ts (or a test, or the embedded launcher) builds it. */
export interface AppDeps {
  routing: RoutingView;
  backends: BackendManager;
  /** Require a live predict token on model routes; the embedded all-in-one launcher turns it off. */
  predictAuth: boolean;
  /** Per-token quotas, charged after a predict token is verified; none without. */
  quotas?: TokenQuotas;
  /** Largest request body in bytes (default 1 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /**
   * How much of a body over `maxBodyBytes` is read and discarded before the 413 goes out, so a
   * client still writing it can read the answer (default 8 MiB; 0 answers at once).
   */
  maxBodyDrainBytes?: number;
  /** How long a request waits for a version that is still loading before 503 (default 2000 ms). */
  loadWaitMs?: number;
  /** Fastify's logger; silent when omitted. */
  logger?: FastifyBaseLogger;
  /** Reported by `GET /v2`. */
  serverVersion?: string;
  /** Admission bounds, the global deadline cap and backend telemetry for the execution step. */
  execution?: ExecutionDeps;
  /** Replica-wide overload check (event-loop lag, heap) run before a prediction's body is parsed. */
  guard?: { check(): Problem | null };
  /** True once shutdown has begun: readiness turns 503 while predictions are still served. */
  isDraining?: () => boolean;
  /** Counts requests in flight for graceful shutdown (overload/lifecycle.ts), from the app's onRequest hook. */
  tracker?: RequestTracker;
  /** Metrics, prediction log, rollups and feedback; metrics only (no database) when omitted. */
  telemetry?: Telemetry;
  /** The prediction cache (closed with the app); in-process only, 64 MiB, when omitted. */
  cache?: PredictionCache;
  /** Body limits: nesting depth, list and string lengths, instances per request. */
  limits?: Partial<RequestLimits>;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_BODY_DRAIN_BYTES = 8 * 1024 * 1024;
const DEFAULT_LOAD_WAIT_MS = 2000;

/**
 * Builds the data-plane HTTP app without listening: TF-Serving predict on /v1, the Open Inference
 * Protocol on /v2, and health. Each request reads one routing snapshot, taken when it arrives.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const loadWaitMs = deps.loadWaitMs ?? DEFAULT_LOAD_WAIT_MS;
  const app = Fastify({
    // Each request's logger is made lazily (request-logger.ts); without a logger Fastify needs none.
    ...(deps.logger ? { loggerInstance: appLogger(deps.logger) } : { logger: false }),
    bodyLimit: maxBodyBytes,
    // The server mints every request id: it is the key feedback joins on, so a caller reusing one
    // id must not credit one outcome to several exposures. The caller's own id is kept alongside.
    requestIdHeader: false,
    genReqId: () => timeOrderedUuid(),
    // One log line per prediction would dominate the hot path; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 200 },
  });
  // Only JSON is accepted; without this Fastify would hand text/plain bodies to the routes as strings.
  app.removeContentTypeParser('text/plain');
  registerErrorHandlers(app, {
    maxBodyBytes,
    maxBodyDrainBytes: deps.maxBodyDrainBytes ?? DEFAULT_MAX_BODY_DRAIN_BYTES,
  });
  const { cache, validation } = registerCacheAndValidation(app, {
    routing: deps.routing,
    ...(deps.cache && { cache: deps.cache }),
    ...(deps.limits && { limits: deps.limits }),
  });

  app.decorateRequest('snapshot', null);
  app.decorateRequest('prediction', null);
  app.decorateRequest('clientRequestId', null);
  const tracker = deps.tracker;
  app.addHook('onRequest', (request, reply, done) => {
    tracker?.track(reply.raw);
    request.snapshot = deps.routing.snapshot();
    reply.header('x-request-id', request.id);
    const own = callerRequestId(request.headers['x-request-id']);
    if (own !== null) {
      request.clientRequestId = own;
      request.log = request.log.child({ clientRequestId: own });
      reply.header('x-client-request-id', own);
    }
    done();
  });

  const telemetry = deps.telemetry ?? createTelemetry({ replicaId: 'local', routing: deps.routing });
  const outputs = registerTelemetry(app, telemetry);
  deps.quotas?.register(telemetry.registry);

  await app.register(healthRoutes, {
    routing: deps.routing,
    backends: deps.backends,
    serverName: 'modelplane',
    serverVersion: deps.serverVersion ?? '0.1.0',
    ...(deps.isDraining && { isDraining: deps.isDraining }),
  });
  await app.register(async (models) => {
    const guard = deps.guard;
    const auth = deps.predictAuth ? predictAuthHook(deps.quotas) : null;
    // One hook (each hook costs every request a step of Fastify's hook runner). Shedding comes
    // first and costs no parsing; only predictions (POST) are shed, so health and per-model
    // readiness and metadata keep answering. Callback style: an async hook would cost a promise.
    if (guard || auth) {
      models.addHook('onRequest', (request, reply, done) => {
        const problem = guard && request.method === 'POST' ? guard.check() : null;
        if (problem) sendProblem(request, reply, problem);
        else if (auth) auth(request, reply, done);
        else done();
      });
    }
    const pipeline = { backends: deps.backends, loadWaitMs, execution: deps.execution, validation, cache };
    const hits = new HitMemo(cache);
    await models.register(predictRoutes, { pipeline, hits, ...(outputs && { outputs }) });
    await models.register(oipModelRoutes, { pipeline, hits, ...(outputs && { outputs }) });
    await models.register(feedbackRoutes, { feedback: telemetry.feedback });
  });
  return app;
}
