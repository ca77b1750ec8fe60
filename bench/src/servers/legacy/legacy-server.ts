// Scenario 5: the per-request-database design that Modelplane replaces, built as that design built
// it. Every request: SELECT the model's active versions, sha256 the user id for a bucket, Redis GET
// the cached prediction (keyed on JSON.stringify of the input), on a miss run the model and SETEX
// it, INSERT a log row, LPUSH + LTRIM the latency. Sessions stay in memory, as they did there.
// Usage: legacy-server.ts <port> <database url> <redis url> <key prefix>
import { createHash, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import * as ort from 'onnxruntime-node';
import pg from 'pg';

const [portArg = '0', databaseUrl, redisUrl, prefix = 'legacy:'] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: databaseUrl, application_name: 'legacy-server' });
const redis = new Redis(redisUrl ?? '');
const sessions = new Map<string, Promise<ort.InferenceSession>>();

interface VersionRow {
  version: string;
  weight: number;
  artifact_path: string;
  feature_order: string[];
}

function session(path: string): Promise<ort.InferenceSession> {
  let loading = sessions.get(path);
  if (!loading) {
    loading = ort.InferenceSession.create(path, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 2,
    });
    sessions.set(path, loading);
  }
  return loading;
}

function pickVersion(rows: VersionRow[], userId: string): VersionRow | undefined {
  const digest = createHash('sha256').update(userId).digest();
  const bucket = digest.readUInt32BE(0) % 100;
  let edge = 0;
  for (const row of rows) {
    edge += row.weight;
    if (bucket < edge) return row;
  }
  return rows.at(-1);
}

async function runModel(row: VersionRow, instances: Array<Record<string, number>>): Promise<unknown[]> {
  const model = await session(row.artifact_path);
  const width = row.feature_order.length;
  const data = new Float32Array(instances.length * width);
  instances.forEach((instance, i) => {
    row.feature_order.forEach((name, j) => {
      data[i * width + j] = instance[name] ?? 0;
    });
  });
  const result = await model.run({
    [model.inputNames[0] ?? 'features']: new ort.Tensor('float32', data, [instances.length, width]),
  });
  return instances.map((_, i) => {
    const out: Record<string, number[]> = {};
    for (const name of model.outputNames) {
      const tensor = result[name] as ort.Tensor;
      const per = tensor.dims[1] ?? 1;
      out[name] = Array.from(
        (tensor.data as Float32Array | BigInt64Array).subarray(i * per, (i + 1) * per),
        Number,
      );
    }
    return out;
  });
}

interface Body {
  routingKey?: string;
  instances: Array<Record<string, number>>;
}

const app = Fastify({ logger: false });
app.post<{ Params: { model: string }; Body: Body }>('/predict/:model', async (request, reply) => {
  const started = performance.now();
  const { model } = request.params;
  const userId = request.body.routingKey ?? randomUUID();
  const { rows } = await pool.query<VersionRow>(
    'SELECT version, weight, artifact_path, feature_order FROM legacy_model_versions WHERE model = $1 AND active ORDER BY version',
    [model],
  );
  const row = pickVersion(rows, userId);
  if (!row) return reply.code(404).send({ error: `model ${model} not found` });
  const input = JSON.stringify(request.body.instances);
  const key = `${prefix}pred:${model}:${row.version}:${input}`;
  const hit = await redis.get(key);
  const predictions =
    hit === null ? await runModel(row, request.body.instances) : (JSON.parse(hit) as unknown[]);
  if (hit === null) await redis.setex(key, 300, JSON.stringify(predictions));
  const latencyMs = performance.now() - started;
  await pool.query(
    'INSERT INTO legacy_prediction_log (request_id, model, version, user_id, input, prediction, latency_ms, cached) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [randomUUID(), model, row.version, userId, input, JSON.stringify(predictions), latencyMs, hit !== null],
  );
  await redis
    .pipeline()
    .lpush(`${prefix}latency:${model}`, latencyMs)
    .ltrim(`${prefix}latency:${model}`, 0, 999)
    .exec();
  return { predictions, modelVersion: `${model}@${row.version}`, cached: hit !== null };
});

await app.listen({ host: '127.0.0.1', port: Number(portArg) });
console.log(`legacy server listening on ${portArg}`);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => Promise.all([pool.end(), redis.quit()]))
    .then(() => process.exit(0));
});
