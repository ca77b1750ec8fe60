import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loggedPayload } from './prediction-log.ts';
import type { Telemetry } from './telemetry.ts';

/** Response bodies of requests whose payload is logged, held from onSend to onResponse. */
const outputs = new WeakMap<FastifyRequest, string>();

function versionLabel(ref: string | null): string | null {
  if (ref === null) return null;
  const at = ref.indexOf('@');
  return at >= 0 ? ref.slice(at + 1) : ref;
}

/**
 * Wires telemetry into the app: `GET /metrics` (no token, like every Prometheus target), and an
 * onResponse hook that feeds metrics, rollups and the prediction log from `request.prediction` after
 * the response has gone out. Nothing here waits on Postgres. Register on the root instance, before
 * the routes, so every route inherits the hooks.
 */
export function registerTelemetry(app: FastifyInstance, telemetry: Telemetry): void {
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', telemetry.registry.contentType);
    return telemetry.registry.metrics();
  });

  // Callback style: an async hook would add a promise turn to every response.
  app.addHook('onSend', (request, reply, payload, done) => {
    const record = request.prediction;
    if (
      record &&
      typeof payload === 'string' &&
      telemetry.payloads?.wants(record.model, record.requestId, reply.statusCode >= 400)
    ) {
      outputs.set(request, payload);
    }
    done(null, payload);
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
    payload: output === undefined ? null : loggedPayload(request.body, output, inputBytes),
  });
}
