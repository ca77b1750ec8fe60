// Scenario 3's reference: a minimal Fastify server that only runs the model's ONNX session per
// request (no routing, validation, auth, logging or metrics), with the session options the data
// plane uses. Usage: onnx-server.ts <port> <model.onnx> <feature,order,...>
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

const [portArg = '0', modelPath = '', orderArg = ''] = process.argv.slice(2);
const featureOrder = orderArg.split(',');
const width = featureOrder.length;
const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  logSeverityLevel: 2,
});
const [inputName = 'features'] = session.inputNames;

interface Body {
  instances: Array<Record<string, number>>;
}

const app = Fastify({ logger: false });
app.post<{ Body: Body }>('/predict', async (request) => {
  const { instances } = request.body;
  const data = new Float32Array(instances.length * width);
  instances.forEach((instance, row) => {
    for (let col = 0; col < width; col++)
      data[row * width + col] = instance[featureOrder[col] as string] ?? 0;
  });
  const result = await session.run({
    [inputName]: new ort.Tensor('float32', data, [instances.length, width]),
  });
  const predictions = instances.map((_, row) => {
    const prediction: Record<string, number[]> = {};
    for (const name of session.outputNames) {
      const tensor = result[name] as ort.Tensor;
      const per = tensor.dims[1] ?? 1;
      const values = tensor.data as Float32Array | BigInt64Array;
      prediction[name] = Array.from(values.subarray(row * per, (row + 1) * per), Number);
    }
    return prediction;
  });
  return { predictions };
});
await app.listen({ host: '127.0.0.1', port: Number(portArg) });
console.log(`onnx server listening on ${portArg}`);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => session.release())
    .then(() => process.exit(0));
});
