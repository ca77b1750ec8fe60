import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** An HTTP server handing out one file slowly, and when each download started and finished. */
export interface SlowArtifactServer {
  url: string;
  /** `performance.now()` of each request's arrival. */
  readonly started: number[];
  /** `performance.now()` once each response's last byte was handed to the socket. */
  readonly finished: number[];
  close(): Promise<void>;
}

/**
 * Serves `file` (at `url`, or any path): the headers and the first half of the bytes at once, the rest after
 * `delayMs`, so a replica downloading it holds a half-written artifact for that long.
 */
export async function startSlowArtifactServer(file: string, delayMs: number): Promise<SlowArtifactServer> {
  const bytes = await readFile(file);
  const started: number[] = [];
  const finished: number[] = [];
  const server = createServer((request, response) => {
    started.push(performance.now());
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length),
    });
    const half = Math.floor(bytes.length / 2);
    response.write(bytes.subarray(0, half));
    void sleep(delayMs).then(() => {
      response.end(bytes.subarray(half), () => finished.push(performance.now()));
    });
    request.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/artifact.onnx`,
    started,
    finished,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
