import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type {
  OnnxWorkerData,
  OnnxWorkerRequest,
  OnnxWorkerResponse,
  WireTensor,
  WireValueMetadata,
} from './onnx-worker-protocol.ts';

/**
 * One inference worker thread: it owns one InferenceSession and answers `run` messages (see
 * onnx-worker-protocol.ts). Started by onnx-worker-thread.ts, never imported.
 */

const port = parentPort;
if (!port) throw new Error('onnx-worker.ts is the program of a worker thread, not a module to import');
const data = workerData as OnnxWorkerData;
const post = (message: OnnxWorkerResponse) => port.postMessage(message);
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

const meta = (m: ort.InferenceSession.ValueMetadata): WireValueMetadata =>
  m.isTensor
    ? { name: m.name, isTensor: true, type: m.type, shape: Array.from(m.shape) }
    : { name: m.name, isTensor: false };

let session: ort.InferenceSession | null = null;
ort.InferenceSession.create(data.bytes, data.options).then(
  (created) => {
    session = created;
    post({
      type: 'ready',
      inputs: created.inputMetadata.map(meta),
      outputs: created.outputMetadata.map(meta),
    });
  },
  (error: unknown) => post({ type: 'failed', message: describe(error) }),
);

// Runs go one at a time, in arrival order: a worker is one unit of concurrency, its queue is what
// the parent bounds, and a run whose deadline passed while it queued is skipped, not started.
type RunRequest = Extract<OnnxWorkerRequest, { type: 'run' }>;
const queue: RunRequest[] = [];
let running = false;

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  for (let next = queue.shift(); next; next = queue.shift()) await run(next);
  running = false;
}

async function run(request: RunRequest): Promise<void> {
  if (request.deadline !== undefined && Date.now() >= request.deadline) {
    post({ type: 'skipped', id: request.id });
    return;
  }
  try {
    if (!session) throw new Error('the session is not ready');
    const feeds: Record<string, ort.Tensor> = {};
    for (const feed of request.feeds) feeds[feed.name] = new ort.Tensor(feed.type, feed.data, feed.dims);
    const result = await session.run(feeds);
    const outputs: WireTensor[] = Object.entries(result).map(([name, t]) => ({
      name,
      type: t.type,
      dims: Array.from(t.dims),
      data: t.data.slice(),
    }));
    post({ type: 'result', id: request.id, outputs });
  } catch (error) {
    post({ type: 'error', id: request.id, message: describe(error) });
  }
}

port.on('message', async (message: OnnxWorkerRequest) => {
  if (message.type === 'close') {
    if (session) await session.release().catch(() => {});
    process.exit(0);
  }
  queue.push(message);
  void drain();
});
