import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/** A TCP proxy that can stall traffic without closing anything: a blackholed network path. */
export interface BlackholeProxy {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** From now on nothing gets through in either direction; connections stay open, as with dropped packets. */
  blackhole(): void;
  /** Lets traffic through again; what was held back arrives late, as TCP would retransmit it. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a {@link BlackholeProxy} in front of 127.0.0.1:`port`. */
export async function startBlackholeProxy(port: number): Promise<BlackholeProxy> {
  let holding = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      if (holding) socket.pause();
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${address.port}`,
    port: address.port,
    blackhole: () => {
      holding = true;
      for (const socket of sockets) socket.pause();
    },
    restore: () => {
      holding = false;
      for (const socket of sockets) socket.resume();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
