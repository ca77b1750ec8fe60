import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { recsBody } from '../load/bodies.ts';

/** How long to poll, how fast, and a signal that stops polling early. */
export interface WatchOptions {
  timeoutMs: number;
  /** Pause between one replica's polls; 0 polls back to back. */
  pauseMs?: number;
  signal?: AbortSignal;
}

/** Polls replicas with real predictions until they serve a given version. */
export interface VersionWatch {
  /**
   * Resolves with each replica's `performance.now()` at the first response served by `ref`
   * (`name@version`), in replica order. Rejects after `timeoutMs`.
   */
  untilServing(ref: string, options: WatchOptions): Promise<number[]>;
  close(): Promise<void>;
}

/**
 * One keep-alive connection per replica; each poll is a prediction without a routing key, so with
 * all traffic on one version the `x-model-version` header says which revision the replica serves.
 */
export function watchVersions(replicaUrls: string[], model: string, token: string): VersionWatch {
  const agent = new Agent({ connections: 1, keepAliveTimeout: 60_000 });
  const body = recsBody(1);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };

  async function servedBy(url: string): Promise<string | undefined> {
    const response = await request(`${url}/v1/models/${model}:predict`, {
      method: 'POST',
      headers,
      body,
      dispatcher: agent,
    });
    await response.body.dump();
    const header = response.headers['x-model-version'];
    return response.statusCode === 200 && typeof header === 'string' ? header : undefined;
  }

  async function untilOne(
    url: string,
    ref: string,
    deadline: number,
    options: WatchOptions,
  ): Promise<number> {
    const pauseMs = options.pauseMs ?? 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const served = await servedBy(url);
      const now = performance.now();
      if (served === ref) return now;
      if (now > deadline) throw new Error(`${url} did not serve ${ref} in time (last: ${served ?? 'error'})`);
      if (pauseMs > 0) await sleep(pauseMs);
    }
  }

  return {
    untilServing(ref, options) {
      const deadline = performance.now() + options.timeoutMs;
      return Promise.all(replicaUrls.map((url) => untilOne(url, ref, deadline, options)));
    },
    close: () => agent.close(),
  };
}
