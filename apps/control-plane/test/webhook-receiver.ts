import { once } from 'node:events';
import { createServer } from 'node:http';

/** A real HTTP webhook receiver on a local port. */
export interface WebhookReceiver {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a receiver that parses each POSTed JSON body and answers with the status `onEvent` returns
 * (a 5xx makes the control plane retry the event).
 */
export async function startWebhookReceiver(onEvent: (body: unknown) => number): Promise<WebhookReceiver> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      response.writeHead(onEvent(JSON.parse(body))).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    close: async () => {
      // Keep-alive connections from fetch would hold close() open.
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
