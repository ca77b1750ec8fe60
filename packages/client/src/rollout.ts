import { setTimeout as sleep } from 'node:timers/promises';
import type { RolloutStatus } from '@modelplane/schemas';
import type { ControlPlaneClient } from './control-plane-client.ts';

/** Options for {@link waitForRollout}. */
export interface WaitForRolloutOptions {
  model: string;
  /** The revision to wait for; the active one when omitted. */
  revision?: number;
  /** Give up after this long (the last status is returned with `timedOut: true`). */
  timeoutMs: number;
  /** Delay between polls; default 500 ms. */
  intervalMs?: number;
  /** Called with every status read, e.g. to show progress. */
  onStatus?(status: RolloutStatus): void;
}

/** How a wait ended: the last status read, and whether the deadline cut it short. */
export interface RolloutWaitResult {
  status: RolloutStatus;
  timedOut: boolean;
}

/**
 * Polls `traffic.status` until the rollout is `complete` or `failed`, or `timeoutMs` has passed.
 * The first read happens at once, so a rollout that already landed returns without waiting.
 */
export async function waitForRollout(
  client: ControlPlaneClient,
  options: WaitForRolloutOptions,
): Promise<RolloutWaitResult> {
  const deadline = performance.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 500;
  const input = {
    model: options.model,
    ...(options.revision !== undefined && { revision: options.revision }),
  };
  for (;;) {
    const status = await client.traffic.status.query(input);
    options.onStatus?.(status);
    if (status.state !== 'progressing') return { status, timedOut: false };
    const left = deadline - performance.now();
    if (left <= 0) return { status, timedOut: true };
    await sleep(Math.min(interval, left));
  }
}
