import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `url` until it answers 2xx. Rejects after `timeoutMs`, or as soon as `exited` settles,
 * because a process that died will never become ready.
 */
export async function waitForUrl(url: string, timeoutMs: number, exited?: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited?.then(() => {
    gone = true;
  });
  let last = 'no attempt yet';
  while (!gone && Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      // Drain the body so the keep-alive socket does not linger.
      await response.arrayBuffer();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(50);
  }
  throw new Error(
    gone ? `process exited before ${url} answered` : `${url} not ready in ${timeoutMs} ms (${last})`,
  );
}
