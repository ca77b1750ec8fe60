import type { WarmupRequest } from '@modelplane/schemas';
import { UnavailableError } from '../errors.ts';
import { SessionCreateError } from './load-failure.ts';
import { RunnerClosedError, RunSkippedError } from './onnx-runner.ts';
import { fromOrtTensor, toOrtTensor, toTensorMeta, validateInputs } from './onnx-tensors.ts';
import type { OnnxWorkerResponse, WireTensor } from './onnx-worker-protocol.ts';
import { type OnnxWorkerThread, startOnnxWorker } from './onnx-worker-thread.ts';
import type { InferOptions, ModelRunner, Tensor, TensorMeta } from './types.ts';
import { warmUp } from './warmup.ts';

/** What {@link WorkerOnnxRunner.start} needs: verified model bytes and the pool size. */
export interface WorkerRunnerOptions {
  bytes: Uint8Array;
  ref: string;
  threads: number;
  intraOpThreads: number;
  /** Requests one worker may hold (running and queued) before more are refused; default 64. */
  maxQueuePerWorker?: number;
  /** The registered warm-up request; without one, zeros (a failure is then only a warning). */
  warmup?: WarmupRequest | null;
}

/** Requests one worker may hold before the runner refuses more (503): a bound on its queue. */
export const DEFAULT_MAX_QUEUE_PER_WORKER = 64;

interface Pending {
  resolve(outputs: WireTensor[]): void;
  reject(error: unknown): void;
  ref: string;
}

interface Slot {
  thread: OnnxWorkerThread;
  busy: number;
  dead: boolean;
  pending: Map<number, Pending>;
}

type ReadyMessage = Extract<OnnxWorkerResponse, { type: 'ready' }>;

/**
 * One model version served by a small pool of worker threads, each with its own session, so a
 * heavy `session.run` never stalls the event loop that answers health checks and enforces
 * deadlines. Requests go to the least busy worker; a worker that dies fails only its own requests.
 */
export class WorkerOnnxRunner implements ModelRunner {
  #nextId = 1;
  #closing: Promise<void> | null = null;
  warmupWarning: string | null = null;

  private constructor(
    readonly ref: string,
    private readonly slots: Slot[],
    readonly inputs: readonly TensorMeta[],
    readonly outputs: readonly TensorMeta[],
    private readonly maxQueuePerWorker: number,
  ) {}

  /** Starts `threads` workers, each creating a session from `bytes`, and warms every one of them (see {@link warmUp}). */
  static async start(options: WorkerRunnerOptions): Promise<WorkerOnnxRunner> {
    const started = await Promise.allSettled(Array.from({ length: options.threads }, () => spawn(options)));
    const slots = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.slot] : []));
    const failed = started.find((s) => s.status === 'rejected');
    const first = started.find((s) => s.status === 'fulfilled');
    if (failed || !first || first.status !== 'fulfilled') {
      await Promise.allSettled(slots.map((s) => s.thread.worker.terminate()));
      throw failed?.status === 'rejected' ? failed.reason : new Error(`${options.ref}: no worker started`);
    }
    let runner: WorkerOnnxRunner;
    try {
      runner = new WorkerOnnxRunner(
        options.ref,
        slots,
        first.value.ready.inputs.map(toTensorMeta),
        first.value.ready.outputs.map(toTensorMeta),
        options.maxQueuePerWorker ?? DEFAULT_MAX_QUEUE_PER_WORKER,
      );
    } catch (error) {
      await Promise.allSettled(slots.map((s) => s.thread.worker.terminate()));
      throw new SessionCreateError(options.ref, error instanceof Error ? error.message : String(error));
    }
    try {
      const warnings = await Promise.all(
        slots.map((slot) =>
          warmUp(
            (inputs) => {
              validateInputs(inputs, runner.inputs);
              return runner.#send(slot, inputs, undefined);
            },
            runner.inputs,
            options.warmup,
            options.ref,
          ),
        ),
      );
      runner.warmupWarning = warnings.find((w) => w !== null) ?? null;
    } catch (error) {
      await runner.close();
      throw error;
    }
    return runner;
  }

  /**
   * Runs one request on the least busy worker. Skipped when its deadline passed before dispatch (here,
   * or in the worker's queue); refused with 503 when every worker already holds its queue's worth.
   * Settles when the worker is done with it, so admission counts the run until it really ends.
   */
  async infer(inputs: readonly Tensor[], options: InferOptions = {}): Promise<Tensor[]> {
    if (this.#closing) throw new RunnerClosedError(this.ref);
    if (options.aborted ?? options.signal?.aborted) throw new RunSkippedError(this.ref);
    if (!options.inputsChecked) validateInputs(inputs, this.inputs);
    const live = this.slots.filter((s) => !s.dead);
    if (live.length === 0) throw new Error(`${this.ref}: every inference worker has exited`);
    const slot = live.reduce((best, s) => (s.busy < best.busy ? s : best));
    if (slot.busy >= this.maxQueuePerWorker) {
      throw new UnavailableError(
        `${this.ref}: every inference worker already holds ${this.maxQueuePerWorker} requests`,
        1,
      );
    }
    // Workers have their own clocks' origin: the deadline crosses as wall-clock milliseconds.
    const deadline =
      options.deadlineAt === undefined ? undefined : Date.now() + (options.deadlineAt - performance.now());
    const result = await this.#send(slot, inputs, deadline);
    const byName = new Map(result.map((f) => [f.name, f]));
    return this.outputs.map((meta) => fromOrtTensor(meta, byName.get(meta.name)));
  }

  /** Lets running requests finish, then ends every worker. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled(
        this.slots.map(async (slot) => {
          if (slot.dead) return;
          while (slot.pending.size > 0) await new Promise((r) => setTimeout(r, 10));
          slot.thread.post({ type: 'close' });
          await new Promise((r) => slot.thread.worker.once('exit', r));
        }),
      );
    })();
    return this.#closing;
  }

  #send(slot: Slot, inputs: readonly Tensor[], deadline: number | undefined): Promise<WireTensor[]> {
    const id = this.#nextId++;
    const feeds: WireTensor[] = inputs.map((t) => {
      const tensor = toOrtTensor(t);
      return { name: t.name, type: tensor.type, dims: tensor.dims, data: tensor.data };
    });
    slot.busy += 1;
    return new Promise<WireTensor[]>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, ref: this.ref });
      slot.thread.post({ type: 'run', id, feeds, deadline });
    }).finally(() => {
      slot.busy -= 1;
    });
  }
}

async function spawn(options: WorkerRunnerOptions): Promise<{ slot: Slot; ready: ReadyMessage }> {
  const thread = startOnnxWorker({
    bytes: options.bytes,
    options: {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 2,
    },
  });
  const slot: Slot = { thread, busy: 0, dead: false, pending: new Map() };
  const failAll = (error: Error) => {
    for (const entry of slot.pending.values()) entry.reject(error);
    slot.pending.clear();
  };
  const settle = (id: number, settleWith: (entry: Pending) => void) => {
    const entry = slot.pending.get(id);
    slot.pending.delete(id);
    if (entry) settleWith(entry);
  };
  return new Promise((resolve, reject) => {
    thread.onMessage((message) => {
      switch (message.type) {
        case 'ready':
          resolve({ slot, ready: message });
          break;
        case 'failed':
          reject(new SessionCreateError(options.ref, message.message));
          break;
        case 'result':
          settle(message.id, (entry) => entry.resolve(message.outputs));
          break;
        case 'skipped':
          settle(message.id, (entry) => entry.reject(new RunSkippedError(entry.ref)));
          break;
        case 'error':
          settle(message.id, (entry) => entry.reject(new Error(message.message)));
          break;
      }
    });
    thread.worker.on('error', (error) => {
      reject(error);
      failAll(error);
    });
    thread.worker.on('exit', (code) => {
      slot.dead = true;
      const error = new Error(`${options.ref}: inference worker exited (code ${code})`);
      reject(error);
      failAll(error);
    });
  });
}
