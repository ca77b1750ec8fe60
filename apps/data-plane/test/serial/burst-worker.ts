import { Worker } from 'node:worker_threads';

// Plain JavaScript in a worker thread: the burst's client work (serialising, sending, parsing)
// runs on its own event loop, not on the one the in-process replica and its batch timers use.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
Promise.all(
  workerData.bodies.map(async (body) => {
    const res = await fetch(workerData.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }),
).then((results) => parentPort.postMessage(results));
`;

/** POSTs every body to `url` at once from a worker thread; results in body order. */
export function burstFromWorker(
  url: string,
  bodies: unknown[],
): Promise<
  Array<{ status: number; body: { outputs: Array<{ name: string; shape: number[]; data: number[] }> } }>
> {
  const worker = new Worker(SOURCE, { eval: true, workerData: { url, bodies } });
  return new Promise((resolve, reject) => {
    worker.once('message', (results) => {
      void worker.terminate();
      resolve(results);
    });
    worker.once('error', reject);
  });
}
