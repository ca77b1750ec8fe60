import { Worker } from 'node:worker_threads';

/** One request's outcome, as the load generator saw it. */
export interface LoadResult {
  status: number;
  ms: number;
}

// Plain JavaScript, evaluated in a worker thread: the generator gets its own event loop, so its
// work never delays the backend this test process also hosts.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, body, clients, ms, pauseMs, rate } = workerData;
const results = [];
const started = performance.now();
const until = started + ms;
const text = JSON.stringify(body);
const once = async () => {
  const t = performance.now();
  let status;
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    await res.arrayBuffer();
    status = res.status;
  } catch {
    status = 0;
  }
  results.push({ status, ms: performance.now() - t });
  return status;
};
const client = async () => {
  while (performance.now() < until) {
    if ((await once()) !== 200) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
};
// Open loop: requests leave at a fixed rate whatever the answers, as real overload arrives.
const open = () =>
  new Promise((resolve) => {
    const inFlight = new Set();
    let sent = 0;
    const timer = setInterval(() => {
      const due = Math.min(rate * ms / 1000, Math.floor(((performance.now() - started) * rate) / 1000));
      for (; sent < due; sent++) {
        const p = once().finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (performance.now() >= until) {
        clearInterval(timer);
        Promise.all([...inFlight]).then(resolve);
      }
    }, 2);
  });
(rate ? open() : Promise.all(Array.from({ length: clients }, client))).then(() => parentPort.postMessage(results));
`;

/**
 * Load from a worker thread for `ms`: `{ clients, pauseMs }` runs closed-loop clients (each pauses
 * after a refusal); `{ rate }` sends that many requests per second whatever the answers.
 */
export function loadInWorker(
  url: string,
  body: unknown,
  ms: number,
  shape: { clients: number; pauseMs: number } | { rate: number },
): Promise<LoadResult[]> {
  const worker = new Worker(SOURCE, {
    eval: true,
    workerData: { url, body, ms, clients: 0, pauseMs: 0, rate: 0, ...shape },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (results: LoadResult[]) => {
      void worker.terminate();
      resolve(results);
    });
    worker.once('error', reject);
  });
}
