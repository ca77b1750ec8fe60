import { Agent, request } from 'node:http';

/** Where and what to send: body `n` is the n-th request's, over `connections` kept-alive sockets. */
export interface RequestTarget {
  url: string;
  headers: Record<string, string>;
  body: (n: number) => string;
  connections: number;
}

/**
 * Sends requests `first` to `first + count - 1`, `connections` at a time, and resolves with how many
 * got each status once all are answered. A fixed number, not a duration: a count per request needs it.
 */
export async function sendRequests(
  target: RequestTarget,
  first: number,
  count: number,
): Promise<Record<string, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: target.connections });
  const statuses: Record<string, number> = {};
  let next = first;
  const end = first + count;
  const worker = async () => {
    while (next < end) {
      const status = await post(agent, target, target.body(next++));
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: target.connections }, worker));
  } finally {
    agent.destroy();
  }
  return statuses;
}

function post(agent: Agent, target: RequestTarget, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(target.url, { method: 'POST', agent, headers: target.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
