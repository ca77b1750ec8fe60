/**
 * The worker thread's program, as source. It is evaluated (`eval: true`) rather than loaded from a
 * file so it works unchanged from TypeScript sources under test and from the single-file bundle.
 * It owns one InferenceSession and answers `run` messages; onnxruntime is required by the absolute
 * path the parent resolved, so module resolution does not depend on the worker's cwd.
 */
export const ONNX_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session = null;
const describe = (error) => (error && error.message) || String(error);
const meta = (m) => ({ name: m.name, isTensor: m.isTensor, type: m.type, shape: Array.from(m.shape) });
ort.InferenceSession.create(workerData.bytes, workerData.options).then(
  (created) => {
    session = created;
    parentPort.postMessage({
      type: 'ready',
      inputs: session.inputMetadata.map(meta),
      outputs: session.outputMetadata.map(meta),
    });
  },
  (error) => parentPort.postMessage({ type: 'failed', message: describe(error) }),
);
// Runs go one at a time, in arrival order: a worker is one unit of concurrency, its queue is what
// the parent bounds, and a run whose deadline passed while it queued is skipped, not started.
const queue = [];
let running = false;
async function drain() {
  if (running) return;
  running = true;
  while (queue.length > 0) await run(queue.shift());
  running = false;
}
async function run(message) {
  if (message.deadline !== undefined && Date.now() >= message.deadline) {
    parentPort.postMessage({ type: 'result', id: message.id, skipped: true });
    return;
  }
  try {
    const feeds = {};
    for (const feed of message.feeds) feeds[feed.name] = new ort.Tensor(feed.type, feed.data, feed.dims);
    const result = await session.run(feeds);
    const outputs = Object.entries(result).map(([name, t]) => ({
      name,
      type: t.type,
      dims: Array.from(t.dims),
      data: t.data.slice(),
    }));
    parentPort.postMessage({ type: 'result', id: message.id, outputs });
  } catch (error) {
    parentPort.postMessage({ type: 'result', id: message.id, error: describe(error) });
  }
}
parentPort.on('message', async (message) => {
  if (message.type === 'close') {
    if (session) await session.release().catch(() => {});
    process.exit(0);
  }
  queue.push(message);
  void drain();
});
`;
