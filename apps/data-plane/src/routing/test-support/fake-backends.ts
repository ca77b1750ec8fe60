import type { BackendManager, ModelRunner, VersionState } from '../../backends/types.ts';
import type { VersionConfig } from '../types.ts';

const runner: ModelRunner = {
  inputs: [],
  outputs: [],
  infer: async () => [],
  close: async () => {},
};

/**
 * A test double of the sibling BackendManager: ensureReady resolves at once, after a per-version
 * delay, or rejects, as the test configures by `model@version`. Records every call.
 */
export class FakeBackends implements BackendManager {
  /** `model@version` → milliseconds ensureReady takes. */
  readonly delays = new Map<string, number>();
  /** `model@version` → the error ensureReady rejects with. */
  readonly failures = new Map<string, string>();
  readonly calls: string[] = [];
  readonly #states = new Map<string, VersionState>();
  retained: ReadonlySet<string> = new Set();

  async ensureReady(version: VersionConfig): Promise<ModelRunner> {
    this.calls.push(version.ref);
    const current = this.#states.get(version.id);
    // Like the real manager: a warm version stays warm.
    if (current?.status === 'ready') return current.runner;
    const delay = this.delays.get(version.ref) ?? 0;
    if (delay > 0) {
      this.#states.set(version.id, { status: 'loading' });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    const failure = this.failures.get(version.ref);
    if (failure !== undefined) {
      this.#states.set(version.id, { status: 'failed', error: failure });
      throw new Error(failure);
    }
    this.#states.set(version.id, { status: 'ready', runner });
    return runner;
  }

  state(versionId: string): VersionState {
    return this.#states.get(versionId) ?? { status: 'absent' };
  }

  retain(versionIds: ReadonlySet<string>): void {
    this.retained = new Set(versionIds);
  }

  async close(): Promise<void> {}
}
