/**
 * Runs one computation per key at a time: a call for a key already in flight gets the same promise,
 * outcome included (a failure reaches every waiter, and nothing is remembered once it settles).
 * The map holds at most `maxKeys` keys; past that, calls run on their own instead of waiting.
 */
export class Coalescer<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  constructor(readonly maxKeys: number) {}

  /** Keys being computed right now. */
  get size(): number {
    return this.#inFlight.size;
  }

  /** `leader` is true for the call that runs `compute`; followers share its promise. */
  run(key: string, compute: () => Promise<T>): { promise: Promise<T>; leader: boolean } {
    const running = this.#inFlight.get(key);
    if (running !== undefined) return { promise: running, leader: false };
    if (this.#inFlight.size >= this.maxKeys) return { promise: compute(), leader: true };
    const promise = compute().finally(() => {
      this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, promise);
    return { promise, leader: true };
  }
}
