import { concat, signatureOf, sliceRows } from './batch-tensors.ts';
import { RunSkippedError } from './onnx-runner.ts';
import { validateInputs } from './onnx-tensors.ts';
import type { BackendStats, FlushReason } from './stats.ts';
import type { ModelRunner, Tensor } from './types.ts';

/** A version's batching settings (serving options `maxBatchSize`, `maxDelayMs`). */
export interface BatchOptions {
  maxBatchSize: number;
  maxDelayMs: number;
}

interface Pending {
  inputs: readonly Tensor[];
  rows: number;
  enqueuedAt: number;
  deadlineAt: number | undefined;
  signal: AbortSignal | undefined;
  settled: boolean;
  resolve(outputs: Tensor[]): void;
  reject(error: unknown): void;
  onAbort(): void;
}

interface Queue {
  items: Pending[];
  rows: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Dynamic batching for one runner: concurrent requests are concatenated along the batch (first)
 * dimension into one `infer`, then the outputs are split back by rows. A batch goes when it holds
 * `maxBatchSize` rows ('full') or when its oldest request has waited `maxDelayMs` ('timer'); every
 * flush is recorded with how long that request waited. Requests whose non-batch dimensions differ
 * queue separately. A request that gives up (deadline) leaves the queue at once.
 */
export class Batcher {
  readonly #queues = new Map<string, Queue>();

  constructor(
    private readonly runner: ModelRunner,
    private readonly ref: string,
    private readonly stats: BackendStats | undefined,
  ) {}

  /** True when every input and output has a variable first dimension, so rows can be stacked. */
  static supports(runner: ModelRunner): boolean {
    return [...runner.inputs, ...runner.outputs].every((m) => m.shape.length >= 1 && m.shape[0] === -1);
  }

  infer(
    inputs: readonly Tensor[],
    options: BatchOptions,
    call: { signal?: AbortSignal; deadlineAt?: number } = {},
  ): Promise<Tensor[]> {
    call.signal?.throwIfAborted();
    // One malformed request must fail alone, not take its batch companions down with it.
    validateInputs(inputs, this.runner.inputs);
    const rows = inputs[0]?.shape[0] ?? 0;
    if (rows >= options.maxBatchSize) {
      return this.#run([this.#item(inputs, rows, call)], 'full', options.maxDelayMs, true);
    }
    const key = signatureOf(inputs);
    let queue = this.#queues.get(key);
    if (queue && queue.rows + rows > options.maxBatchSize) {
      this.#flush(key, queue, 'full', options.maxDelayMs);
      queue = undefined;
    }
    // A busy event loop runs timers late; an arrival that finds the oldest request due flushes it.
    const oldest = queue?.items[0];
    if (queue && oldest && performance.now() - oldest.enqueuedAt >= timerDelay(options.maxDelayMs)) {
      this.#flush(key, queue, 'timer', options.maxDelayMs);
      queue = undefined;
    }
    if (!queue) {
      queue = { items: [], rows: 0, timer: null };
      this.#queues.set(key, queue);
    }
    return new Promise<Tensor[]>((resolve, reject) => {
      const item = this.#item(inputs, rows, call, resolve, reject);
      const current = queue;
      current.items.push(item);
      current.rows += rows;
      item.onAbort = () => this.#leave(key, current, item);
      call.signal?.addEventListener('abort', item.onAbort, { once: true });
      if (current.rows >= options.maxBatchSize) {
        this.#flush(key, current, 'full', options.maxDelayMs);
      } else if (current.timer === null) {
        current.timer = setTimeout(
          () => this.#flush(key, current, 'timer', options.maxDelayMs),
          timerDelay(options.maxDelayMs),
        );
      }
    });
  }

  #item(
    inputs: readonly Tensor[],
    rows: number,
    call: { signal?: AbortSignal; deadlineAt?: number },
    resolve: (outputs: Tensor[]) => void = () => {},
    reject: (error: unknown) => void = () => {},
  ): Pending {
    return {
      inputs,
      rows,
      enqueuedAt: performance.now(),
      deadlineAt: call.deadlineAt,
      signal: call.signal,
      settled: false,
      resolve,
      reject,
      onAbort: () => {},
    };
  }

  #leave(key: string, queue: Queue, item: Pending): void {
    const index = queue.items.indexOf(item);
    if (index >= 0) {
      queue.items.splice(index, 1);
      queue.rows -= item.rows;
      if (queue.items.length === 0) {
        if (queue.timer) clearTimeout(queue.timer);
        queue.timer = null;
        if (this.#queues.get(key) === queue) this.#queues.delete(key);
      }
    }
    // It left before its batch went: nothing ran for it.
    settle(item, () => item.reject(new RunSkippedError(this.ref)));
  }

  #flush(key: string, queue: Queue, reason: FlushReason, maxDelayMs: number): void {
    if (queue.timer) clearTimeout(queue.timer);
    queue.timer = null;
    if (this.#queues.get(key) === queue) this.#queues.delete(key);
    if (queue.items.length === 0) return;
    void this.#run(queue.items, reason, maxDelayMs, false);
  }

  async #run(items: Pending[], reason: FlushReason, maxDelayMs: number, alone: boolean): Promise<Tensor[]> {
    const first = items[0] as Pending;
    const totalRows = items.reduce((n, item) => n + item.rows, 0);
    this.stats?.recordBatch({
      version: this.ref,
      requests: items.length,
      rows: totalRows,
      reason,
      waitedMs: performance.now() - first.enqueuedAt,
      maxDelayMs,
    });
    for (const item of items) item.signal?.removeEventListener('abort', item.onAbort);
    if (alone) return this.runner.infer(first.inputs, runOptions(first));
    // The batch call is abandoned only once every member has given up.
    const controller = new AbortController();
    const deadlines = items.map((i) => i.deadlineAt);
    const deadlineAt = deadlines.every((d) => d !== undefined) ? Math.max(...deadlines) : undefined;
    let waiting = items.length;
    for (const item of items) {
      // A member that gives up stops waiting in the caller (runInference); its own promise settles
      // with the batch, so its admission slot is held while the batch really runs.
      item.onAbort = () => {
        waiting -= 1;
        if (waiting === 0) controller.abort(item.signal?.reason);
      };
      if (item.signal?.aborted) item.onAbort();
      else item.signal?.addEventListener('abort', item.onAbort, { once: true });
    }
    try {
      const outputs = await this.runner.infer(concat(items), {
        signal: controller.signal,
        ...(deadlineAt !== undefined && { deadlineAt }),
      });
      let offset = 0;
      for (const item of items) {
        const part = outputs.map((t) => sliceRows(t, offset, item.rows, totalRows));
        offset += item.rows;
        settle(item, () => item.resolve(part));
      }
    } catch (error) {
      for (const item of items) settle(item, () => item.reject(error));
    } finally {
      for (const item of items) item.signal?.removeEventListener('abort', item.onAbort);
    }
    return [];
  }
}

const batchers = new WeakMap<ModelRunner, Batcher>();

/** The batcher of a runner, created on first use; it goes away with the runner. */
export function batcherFor(runner: ModelRunner, ref: string, stats: BackendStats | undefined): Batcher {
  let batcher = batchers.get(runner);
  if (!batcher) {
    batcher = new Batcher(runner, ref, stats);
    batchers.set(runner, batcher);
  }
  return batcher;
}

/**
 * Timers fire late, never early, and a busy event loop makes them later: arming this one before
 * maxDelayMs (by half of it, at most 25 ms) leaves room for that, so a request's wait stays within
 * the promised bound.
 */
export function timerDelay(maxDelayMs: number): number {
  return Math.max(0, maxDelayMs - Math.min(maxDelayMs / 2, 25));
}

function settle(item: Pending, action: () => void): void {
  if (item.settled) return;
  item.settled = true;
  action();
}

function runOptions(item: Pending): { signal?: AbortSignal; deadlineAt?: number } {
  return {
    ...(item.signal && { signal: item.signal }),
    ...(item.deadlineAt !== undefined && { deadlineAt: item.deadlineAt }),
  };
}
