import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loggableBody } from '../validation/json-body.ts';
import { loggedPayload, versionLabel } from './prediction-log.ts';
import type { Telemetry } from './telemetry.ts';

/** Response bodies of requests whose payload is logged, held from the reply to onResponse. */
const outputs = new WeakMap<FastifyRequest, string>();

/**
 * Where a prediction's reply hands its body when the model's payload is logged. The route calls it
 * where it writes the body (routes/prediction-reply.ts), so no onSend hook runs on every response.
 */
export interface OutputKeeper {
  /** Whether the body of `request`'s reply (with `status`) is wanted: only then serialize it for `keep`. */
  wants(request: FastifyRequest, status: number): boolean;
  keep(request: FastifyRequest, body: string): void;
}

/**
 * Wires telemetry into the app: `GET /metrics` (no token, like every Prometheus target), and an
 * onResponse hook that feeds metrics, rollups and the prediction log from `request.prediction` after
 * the response has gone out. Returns where the routes hand logged response bodies (none without a
 * database). Nothing here waits on Postgres. Register on the root instance, before
 * the routes, so every route inherits the hooks.
 */
export function registerTelemetry(app: FastifyInstance, telemetry: Telemetry): OutputKeeper | undefined {
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', telemetry.registry.contentType);
    return telemetry.registry.metrics();
  });

  app.addHook('onResponse', (request, reply, done) => {
    try {
      observe(telemetry, request, reply);
    } catch (err) {
      // Telemetry must never turn into a request failure or a crash.
      request.log.warn({ err }, 'telemetry hook failed');
    }
    done();
  });

  const payloads = telemetry.payloads;
  if (!payloads) return undefined;
  return {
    wants: (request, status) => {
      const record = request.prediction;
      return record !== null && payloads.wants(record.model, record.requestId, status >= 400);
    },
    keep: (request, body) => {
      outputs.set(request, body);
    },
  };
}

function observe(telemetry: Telemetry, request: FastifyRequest, reply: FastifyReply): void {
  const status = reply.statusCode;
  telemetry.metrics.observeResponse(request.routeOptions.url ?? 'unmatched', status);
  const record = request.prediction;
  if (!record) return;
  const latencyMs = reply.elapsedTime;
  const cached = record.servedFrom === 'cache-memory' || record.servedFrom === 'cache-redis';
  const table = request.snapshot?.models.get(record.model);
  telemetry.metrics.observePrediction(record, status, latencyMs / 1000, table);
  const createdAt = performance.timeOrigin + record.startedAt;
  const version = versionLabel(record.servedVersion ?? record.assignedVersion);
  if (version !== null)
    telemetry.rollups?.record(createdAt, record.model, version, status, latencyMs, cached);
  const output = outputs.get(request);
  if (!telemetry.predictionLog) return;
  const inputBytes = request.rawBody?.length ?? (Number(request.headers['content-length']) || 0);
  telemetry.predictionLog.push({
    record,
    replicaId: telemetry.replicaId,
    createdAt,
    latencyMs,
    status,
    payload: output === undefined ? null : loggedPayload(loggableBody(request), output, inputBytes),
  });
}
