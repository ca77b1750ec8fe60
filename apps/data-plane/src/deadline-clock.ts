/**
 * Request deadlines on one shared timer instead of an AbortController and a setTimeout per request.
 * Deadlines are kept in 1 ms buckets; the one timer is armed for the earliest bucket. A finished
 * request takes its entry out at once: deadlines are far longer than requests (30 s by default),
 * and entries left to expire would pile up (150,000 at 5,000 requests per second) and be copied by
 * every garbage collection until then. A real AbortSignal is made only for a request that asks
 * for one (remote backends, batching): the in-process path needs none.
 */

/** The part of an AbortSignal the pipeline's waits use; an AbortSignal is one, and so is an {@link Expiry}. */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** One request's deadline on the clock: abort-like, with a real AbortSignal made on demand. */
export class Expiry implements AbortLike {
  #aborted = false;
  #done = false;
  #listeners: (() => void)[] | null = null;
  #controller: AbortController | null = null;
  /** The bucket it waits in, until it fires or is cancelled. */
  #bucket: Expiry[] | null = null;
  readonly at: number;
  /** As InferOptions' `inputsChecked`: the pipeline runs only inputs its validate stage decoded. */
  readonly inputsChecked = true;

  constructor(at: number) {
    this.at = at;
  }

  /** As InferOptions' `deadlineAt`: an Expiry is passed to runners as their options. */
  get deadlineAt(): number {
    return this.at;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#aborted ? DEADLINE_EXCEEDED : undefined;
  }

  /** A real AbortSignal that aborts with this deadline, made on first use. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(DEADLINE_EXCEEDED);
    }
    return this.#controller.signal;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.#aborted) return;
    if (this.#listeners) this.#listeners.push(listener);
    else this.#listeners = [listener];
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.#listeners;
    if (!listeners) return;
    const index = listeners.indexOf(listener);
    if (index >= 0) listeners.splice(index, 1);
  }

  /** The request no longer needs its deadline: it will not fire, and leaves the clock now. */
  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    this.#listeners = null;
    const bucket = this.#bucket;
    this.#bucket = null;
    if (bucket) leave(bucket, this);
  }

  /** Called by the clock when the expiry joins a bucket. */
  joined(bucket: Expiry[]): void {
    this.#bucket = bucket;
  }

  /** Called by the clock when the deadline passes. */
  expire(): void {
    this.#bucket = null;
    if (this.#done || this.#aborted) return;
    this.#aborted = true;
    this.#controller?.abort(DEADLINE_EXCEEDED);
    const listeners = this.#listeners;
    this.#listeners = null;
    if (listeners) for (const listener of listeners) listener();
  }
}

const DEADLINE_EXCEEDED = new Error('deadline exceeded');

/** Deadlines by the millisecond they expire in (performance.now(), rounded up). */
const buckets = new Map<number, Expiry[]>();
/** The bucket keys, ascending: deadlines mostly arrive in order, so inserts are mostly appends. */
const keys: number[] = [];
let timer: NodeJS.Timeout | null = null;
let armedFor = Number.POSITIVE_INFINITY;

/** Watches `at` (performance.now()): the returned expiry aborts when it passes, unless cancelled first. */
export function watchDeadline(at: number): Expiry {
  const expiry = new Expiry(at);
  const key = Math.ceil(at);
  let bucket = buckets.get(key);
  if (!bucket) {
    bucket = [];
    buckets.set(key, bucket);
    insertKey(key);
    if (key < armedFor) arm(key);
  }
  bucket.push(expiry);
  expiry.joined(bucket);
  return expiry;
}

/**
 * Takes a cancelled expiry out of its bucket, and an emptied bucket out of the map; its key stays
 * in `keys` until the clock passes it (finding a key's slot in a long sorted list costs more).
 */
function leave(bucket: Expiry[], expiry: Expiry): void {
  const index = bucket.indexOf(expiry);
  if (index < 0) return;
  // Order within one millisecond does not matter: swap with the last entry and pop.
  const last = bucket.pop() as Expiry;
  if (index < bucket.length) bucket[index] = last;
  if (bucket.length === 0) buckets.delete(Math.ceil(expiry.at));
}

function insertKey(key: number): void {
  let index = keys.length;
  while (index > 0 && (keys[index - 1] as number) > key) index -= 1;
  keys.splice(index, 0, key);
}

function arm(key: number): void {
  if (timer) clearTimeout(timer);
  armedFor = key;
  timer = setTimeout(tick, Math.max(1, key - performance.now()));
  // The request's own socket or run keeps the process alive; a deadline alone need not.
  timer.unref();
}

function tick(): void {
  timer = null;
  armedFor = Number.POSITIVE_INFINITY;
  // Node's timers count whole milliseconds on their own clock: allow one millisecond of difference.
  const now = performance.now() + 1;
  let due = 0;
  while (due < keys.length && (keys[due] as number) <= now) due += 1;
  const expired = keys.splice(0, due);
  for (const key of expired) {
    const bucket = buckets.get(key);
    // Every expiry of an emptied bucket was cancelled.
    if (!bucket) continue;
    buckets.delete(key);
    for (const expiry of bucket) {
      try {
        expiry.expire();
      } catch (error) {
        // A failing listener must not stop the other deadlines: surface it as EventTarget would.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
  // Keys of emptied buckets are dropped here: the timer is armed only for a bucket that waits.
  let live = 0;
  while (live < keys.length && !buckets.has(keys[live] as number)) live += 1;
  if (live > 0) keys.splice(0, live);
  const next = keys[0];
  if (next !== undefined) arm(next);
}

/** Deadlines still waiting on the clock (cancelled ones excluded): for tests. */
export function pendingDeadlines(): number {
  let count = 0;
  for (const bucket of buckets.values()) count += bucket.length;
  return count;
}
