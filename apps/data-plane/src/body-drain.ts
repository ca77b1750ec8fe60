import type { IncomingMessage } from 'node:http';

/** Longest a refused body is read for: a client trickling bytes cannot hold the socket open. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Reads and discards what is left of a refused request body, up to `maxBytes`, before the answer
 * goes out. A server that answers and closes while the client is still writing makes the client's
 * kernel receive a reset: it sees EPIPE or ECONNRESET, not the answer. Draining lets the client
 * finish writing and read the 413. Past `maxBytes` (or the timeout) the answer goes out anyway and
 * the connection is closed, so a huge body costs at most `maxBytes` of reading. Never rejects.
 */
export function drainRequestBody(raw: IncomingMessage, maxBytes: number): Promise<void> {
  if (raw.readableEnded || raw.destroyed || maxBytes <= 0) return Promise.resolve();
  // A body announced as larger than the bound would be cut short anyway: none of it is read.
  if (Number(raw.headers['content-length']) > maxBytes) return Promise.resolve();
  return new Promise((resolve) => {
    let read = 0;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', done);
      raw.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) done();
    };
    const timer = setTimeout(done, DRAIN_TIMEOUT_MS);
    raw.on('data', onData);
    raw.once('end', done);
    raw.once('close', done);
    // Left attached: an upload the client aborts later must not become an unhandled 'error'.
    raw.on('error', done);
    raw.resume();
  });
}
