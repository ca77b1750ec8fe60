/**
 * Runs at most one task per key at a time. A request that arrives while the key's task runs does
 * not queue another copy: it asks for one more run after the current one, so any number of
 * requests during a run collapse into a single rerun that sees everything they announced.
 */
export class KeyedSerial {
  readonly #entries = new Map<string, { again: boolean; done: Promise<void> }>();

  /** Resolves once a run that started after this call has finished. Tasks must not throw. */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const running = this.#entries.get(key);
    if (running) {
      running.again = true;
      return running.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    this.#entries.set(key, entry);
    entry.done = (async () => {
      // Yield first, so the entry is registered before the task can ask for its own key again.
      await Promise.resolve();
      try {
        do {
          entry.again = false;
          await task().catch(() => {});
        } while (entry.again);
      } finally {
        this.#entries.delete(key);
      }
    })();
    return entry.done;
  }

  /** Resolves when every task running now (and its reruns) has finished. */
  async idle(): Promise<void> {
    while (this.#entries.size > 0) await Promise.all([...this.#entries.values()].map((e) => e.done));
  }
}
