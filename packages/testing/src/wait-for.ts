import { setTimeout as sleep } from 'node:timers/promises';

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Pause between attempts (default 25 ms). */
  intervalMs?: number;
  /** Says what was awaited, so a timeout names the condition instead of only the last error. */
  message?: string;
}

/**
 * Calls `fn` until it returns something other than `false`, `null` or `undefined` without throwing,
 * and resolves with that value. On timeout it throws an error naming `message` and the last failure.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, false | null | undefined>> {
  const { timeoutMs = 5000, intervalMs = 25, message = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastFailure = 'it returned a falsy value';
  for (;;) {
    try {
      const value = await fn();
      if (value !== false && value !== null && value !== undefined) {
        return value as Exclude<T, false | null | undefined>;
      }
      lastFailure = `it returned ${String(value)}`;
    } catch (error) {
      lastFailure = `it threw: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `waitFor timed out after ${timeoutMs} ms waiting for ${message}; last attempt: ${lastFailure}`,
      );
    }
    await sleep(intervalMs);
  }
}
